// Damaged event files: a changed byte in a record's data or length, a file cut anywhere inside
// a record, a message whose CRCs match but whose bytes are not an Event, and a missing file.
// Each must throw a TensorBoardError naming the file, the record and the byte offset.
import Foundation
@testable import TensorBoard
import TestSupport
import XCTest

final class DamagedFileTests: TemporaryDirectoryTestCase {
    /// The tensorboard-written fixture: 4 records.
    func reference() throws -> [UInt8] { [UInt8](try Data(contentsOf: fixtureURL("tensorboard/events.out.tfevents.python"))) }

    /// Record start offsets, found by walking the little-endian length fields (length + 16 per record).
    func recordStarts(_ bytes: [UInt8]) -> [Int] {
        var starts: [Int] = [], at = 0
        while at + 8 <= bytes.count {
            starts.append(at)
            at += 16 + Int(bytes[at..<(at + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) })
        }
        XCTAssertEqual(at, bytes.count, "the records tile the file")
        return starts
    }

    func error(reading bytes: [UInt8], allowTruncatedTail: Bool = false) -> TensorBoardError? {
        let file = directory.appendingPathComponent("damaged-\(UUID().uuidString)")
        do {
            try Data(bytes).write(to: file)
            _ = try EventFile.read(file, allowTruncatedTail: allowTruncatedTail)
            return nil
        } catch let e as TensorBoardError {
            XCTAssertEqual(e.file, file.path)
            XCTAssertTrue(e.description.hasPrefix(file.path) && e.description.contains("\n  hint: "), e.description)
            return e
        } catch { XCTFail("\(error)"); return nil }
    }

    func testFlippedDataByteNamesTheRecordAndCRC() throws {
        let good = try reference(), starts = recordStarts(good)
        XCTAssertEqual(starts.count, 4)
        for record in 0..<4 {
            var bad = good
            bad[starts[record] + 12 + 3] ^= 0x04                       // a byte inside the data
            let e = try XCTUnwrap(error(reading: bad), "record \(record)")
            XCTAssertEqual(e.record, record); XCTAssertEqual(e.offset, starts[record])
            XCTAssertTrue(e.message.contains("data CRC mismatch"), e.message)
            XCTAssertTrue(e.description.contains("record \(record) at byte offset \(starts[record])"), e.description)
        }
        var lengthFlip = good
        lengthFlip[starts[2]] ^= 0x01
        let e = try XCTUnwrap(error(reading: lengthFlip))
        XCTAssertEqual(e.record, 2); XCTAssertTrue(e.message.contains("length CRC mismatch"), e.message)
        var footerFlip = good
        footerFlip[starts[2] - 1] ^= 0x80                               // record 1's stored data CRC
        XCTAssertEqual(error(reading: footerFlip)?.record, 1)
    }

    func testTruncationAnywhereNamesTheOffset() throws {
        let good = try reference(), starts = recordStarts(good)
        XCTAssertNil(error(reading: good))
        XCTAssertNil(error(reading: []), "an empty file holds no events")
        for cut in 1..<good.count where !starts.contains(cut) {
            let last = starts.lastIndex { $0 < cut }!
            let e = try XCTUnwrap(error(reading: Array(good.prefix(cut))), "cut at \(cut)")
            XCTAssertEqual(e.record, last, "cut at \(cut)"); XCTAssertEqual(e.offset, starts[last], "cut at \(cut)")
            XCTAssertTrue(e.message.hasPrefix("truncated record"), e.message)
            XCTAssertTrue(e.description.contains("byte offset \(starts[last])"), e.description)
            let file = directory.appendingPathComponent("cut-\(cut)")
            try Data(good.prefix(cut)).write(to: file)
            XCTAssertEqual(try EventFile.read(file, allowTruncatedTail: true).count, last, "the complete records before the cut")
        }
    }

    func testGoodCRCsOverBadMessage() throws {
        // Field 3 (file_version) says 5 bytes but the message ends after 1: framed correctly by the writer.
        let bytes = EventFileWriter.record([0x1A, 0x05, 0x41])
        let e = try XCTUnwrap(error(reading: bytes))
        XCTAssertEqual(e.record, 0); XCTAssertEqual(e.offset, 0)
        XCTAssertTrue(e.message.contains("bad Event message") && e.message.contains("past the end"), e.message)
        let varint = try XCTUnwrap(error(reading: EventFileWriter.record([UInt8](repeating: 0x80, count: 11))))
        XCTAssertTrue(varint.message.contains("varint"), varint.message)
    }

    func testMissingFileNamesIt() {
        let file = directory.appendingPathComponent("no-such-events")
        XCTAssertThrowsError(try EventFile.read(file)) { XCTAssertTrue("\($0)".contains(file.path), "\($0)") }
    }
}
