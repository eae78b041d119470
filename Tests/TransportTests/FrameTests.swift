import Foundation
import TestSupport
import Transport
import XCTest

final class FrameTests: XCTestCase {
    func testCRC32CheckValues() {
        // The catalogued check value of CRC-32/ISO-HDLC and two hand-checkable cases.
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32.checksum([UInt8(0)]), 0xD202_EF8D)
    }

    func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = [], chars = Array(s.utf8)
        var i = 0
        while i + 1 < chars.count { out.append(UInt8(String(decoding: chars[i...(i + 1)], as: UTF8.self), radix: 16)!); i += 2 }
        return out
    }

    /// Frames written by Python's struct + zlib decode in colad, and colad encodes them byte for byte.
    func testAgreesWithPythonReferenceFrames() throws {
        let root = try loadFixtureJSON("transport/frames.json") as! [String: Any]
        let cases = root["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            let bytes = hex(c["frame"] as! String), payload = hex(c["payload"] as! String)
            XCTAssertEqual(UInt32(c["crc32"] as! Int), CRC32.checksum(payload, after: bytes[0..<32]), "the check covers header and payload")
            XCTAssertEqual(CRC32.checksum(payload, after: bytes[0..<32]), CRC32.checksum(Array(bytes[0..<32]) + payload))
            let job = UInt64(c["job"] as! String)!
            let f = try Frame.decode(bytes, jobId: job, maxPayload: 1 << 20)
            XCTAssertEqual(f.payload, payload)
            XCTAssertEqual(f.iteration, c["iteration"] as! Int)
            XCTAssertEqual(f.sender, c["sender"] as! Int)
            XCTAssertEqual(Int(f.type), c["type"] as! Int)
            XCTAssertEqual(Frame(type: f.type, jobId: job, iteration: f.iteration, sender: f.sender, payload: payload).encoded(), bytes)
        }
    }

    func rejection(_ bytes: [UInt8], job: UInt64? = 42, max: Int = 1000) -> FrameRejection? {
        do { _ = try Frame.decode(bytes, jobId: job, maxPayload: max); return nil } catch { return error as? FrameRejection }
    }

    func testEveryRejectionKind() {
        let good = Frame(type: 3, jobId: 42, iteration: 7, sender: 2, payload: Array("hello".utf8)).encoded()
        XCTAssertNil(rejection(good))
        XCTAssertEqual(rejection(Array(good.prefix(10))), .truncated)
        XCTAssertEqual(rejection(Array(good.dropLast())), .truncated)
        XCTAssertEqual(rejection(good + [0]), .lengthMismatch)
        var magic = good; magic[0] = UInt8(ascii: "X")
        XCTAssertEqual(rejection(magic), .badMagic)
        XCTAssertEqual(rejection(Frame(type: 3, jobId: 42, iteration: 7, sender: 2, payload: []).encoded(version: 9)), .wrongVersion)
        var crc = good; crc[crc.count - 1] ^= 1
        XCTAssertEqual(rejection(crc), .badChecksum)
        // The check covers the header: a changed kind, iteration, sender or job is damage too.
        for offset in [6, 7, 8, 16, 24] {
            var header = good; header[offset] ^= 0x10
            XCTAssertEqual(rejection(header, job: nil), .badChecksum, "header byte \(offset)")
        }
        XCTAssertEqual(rejection(good, job: 43), .wrongJob)
        XCTAssertNil(rejection(good, job: nil))
        XCTAssertEqual(rejection(Frame(type: 3, jobId: 42, iteration: 0, sender: 0, payload: [UInt8](repeating: 1, count: 2000)).encoded()), .oversized)
        XCTAssertEqual(rejection([]), .truncated)
    }

    func testByteReaderNeverTrapsOnGarbage() {
        var w = ByteWriter()
        w.f32s([1, 2, 3]); w.string("αβ"); w.f64(0.5); w.i32s([-1, 7])
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try r.f32s(), [1, 2, 3])
        XCTAssertEqual(try r.string(), "αβ")
        XCTAssertEqual(try r.f64(), 0.5)
        XCTAssertEqual(try r.i32s(), [-1, 7])
        XCTAssertNoThrow(try r.finish())
        // A length prefix claiming more than is there: rejected, not trapped or allocated.
        var bad = ByteReader([0xFF, 0xFF, 0xFF, 0x7F, 1, 2])
        XCTAssertThrowsError(try bad.f32s()) { XCTAssertEqual($0 as? FrameRejection, .truncated) }
        // Random bytes through every reader: only throws.
        var seed: UInt64 = 1
        for _ in 0..<200 {
            let n = Int(seed % 40)
            let bytes = (0..<n).map { i -> UInt8 in seed = seed &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: seed >> 33 &+ UInt64(i)) }
            var r = ByteReader(bytes, maxCount: 1 << 10)
            _ = try? r.f32s(); _ = try? r.string(); _ = try? r.i32s(); _ = try? r.u64()
            XCTAssertLessThanOrEqual(r.offset, bytes.count)
        }
    }

    func testRejectionCounters() {
        var c = RejectionCounters()
        XCTAssertTrue(c.count(.badMagic))
        XCTAssertFalse(c.count(.badMagic))
        c.count(.truncated)
        XCTAssertEqual(c.total, 3)
        XCTAssertEqual(c.counts["bad_magic"], 2)
    }
}
