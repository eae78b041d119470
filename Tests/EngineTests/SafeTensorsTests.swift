import Foundation
import XCTest
import Engine
import TestSupport

final class SafeTensorsTests: XCTestCase {
    let sample = [NamedTensor(name: "b.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5]),
                  NamedTensor(name: "a.bias", shape: [3], values: [0.25, -0, 3e-20])]

    func tempURL(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("colad-st-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    /// Layout by hand: 8-byte little-endian header length, JSON padded to 8 with spaces, data.
    func testByteLayout() throws {
        let data = try SafeTensors.encode([NamedTensor(name: "x", shape: [1], values: [1])])
        let len = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(len % 8, 0)
        let json = String(decoding: data[8..<(8 + len)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(json, #"{"x":{"data_offsets":[0,4],"dtype":"F32","shape":[1]}}"#)
        XCTAssertEqual(Array(data.suffix(4)), [0x00, 0x00, 0x80, 0x3f]) // 1.0f little-endian
    }

    func testRoundTripAtomicWrite() throws {
        let url = tempURL("w.safetensors")
        try SafeTensors.write(sample, metadata: ["k": "v"], to: url)
        let (t, m) = try SafeTensors.read(url)
        XCTAssertEqual(t, sample.sorted { $0.name < $1.name })
        XCTAssertEqual(m, ["k": "v"])
        // No temporary files are left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        XCTAssertEqual(left, ["w.safetensors"])
    }

    /// A file written by Python's safetensors package (F32 and F64) loads here.
    func testReadsPythonWrittenFile() throws {
        let (t, m) = try SafeTensors.read(fixtureURL("engine/python_written.safetensors"))
        XCTAssertEqual(m["writer"], "python safetensors")
        let byName = Dictionary(uniqueKeysWithValues: t.map { ($0.name, $0) })
        XCTAssertEqual(byName["backbone.stem.conv.weight"]?.shape, [2, 3, 3, 3])
        assertClose(byName["backbone.stem.conv.weight"]!.values, (0..<54).map { Float($0) / 7 }, atol: 1e-6)
        XCTAssertEqual(byName["head.scales.0"]?.values, [1.5])
        XCTAssertEqual(byName["neck.lateral_convs.0.bias"]?.values, [-1, 0, 2.5e-8, 3e8])
        XCTAssertEqual(byName["scalar_f64"]?.values, [1.25, -2.5])
    }

    /// colad's encoder must keep producing exactly the committed file that
    /// Tests/Fixtures/scripts/check_colad_safetensors.py loads with Python's package.
    /// Regenerate with COLAD_REGENERATE_FIXTURES=1 swift test --filter SafeTensorsTests.
    func testWritesTheFileThatPythonLoads() throws {
        let url = fixtureURL("engine/colad_written.safetensors")
        let bytes = try SafeTensors.encode(sample, metadata: ["writer": "colad"])
        if ProcessInfo.processInfo.environment["COLAD_REGENERATE_FIXTURES"] == "1" { try writeAtomically(bytes, to: url) }
        XCTAssertEqual(try Data(contentsOf: url), bytes)
    }

    func testRejectsTruncatedAndCorruptFiles() throws {
        let good = try SafeTensors.encode(sample)
        func expectError(_ data: Data, contains needle: String, line: UInt = #line) {
            XCTAssertThrowsError(try SafeTensors.decode(data, file: "bad.safetensors"), line: line) { e in
                let text = "\(e)"
                XCTAssertTrue(text.contains("bad.safetensors") && text.contains(needle), "message: \(text)", line: line)
            }
        }
        expectError(good.prefix(5), contains: "truncated")
        expectError(good.prefix(good.count - 3), contains: "truncated")
        expectError(good + Data([1, 2, 3, 4]), contains: "trailing")
        var badJSON = good; badJSON[8] = UInt8(ascii: "!")
        expectError(badJSON, contains: "header")
        var hugeLen = good; hugeLen[7] = 0x7f
        expectError(hugeLen, contains: "header length")
        let header = #"{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        var other = Data(); var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { other.append(contentsOf: $0) }; other.append(Data(header.utf8)); other.append(Data(count: 8))
        expectError(other, contains: "I64")
    }

    /// Loading into a store is all-or-nothing: a shape mismatch leaves the weights untouched.
    func testStoreLoadIsAllOrNothing() throws {
        let s = ParameterStore(seed: 9)
        let a = s.register("a", shape: [2], init: .constant(1)), b = s.register("b", shape: [3], init: .constant(2))
        let before = s.snapshotValues()
        let bad = [NamedTensor(name: "a", shape: [2], values: [7, 7]), NamedTensor(name: "b", shape: [4], values: [0, 0, 0, 0])]
        XCTAssertThrowsError(try s.load(bad, file: "w.safetensors")) { XCTAssertTrue("\($0)".contains("b.shape")) }
        XCTAssertEqual(s.snapshotValues(), before)
        XCTAssertThrowsError(try s.load([NamedTensor(name: "a", shape: [2], values: [7, 7])], file: "w")) { XCTAssertTrue("\($0)".contains("missing")) }
        try s.load([NamedTensor(name: "a", shape: [2], values: [7, 8]), NamedTensor(name: "b", shape: [3], values: [1, 2, 3])], file: "w")
        XCTAssertEqual([a.values[0], a.values[1], b.values[2]], [7, 8, 3])
    }
}
