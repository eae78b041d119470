// Agreement with the real tensorboard package: Tests/Fixtures/tensorboard/ holds an event file
// written by tensorboard's RecordWriter and event_pb2, and events.json describing its events
// (both from Tests/Fixtures/scripts/make_tensorboard_fixtures.py). colad must write the same
// events to identical bytes, and read the file back as the JSON says.
import Foundation
import StrictJSON
@testable import TensorBoard
import TestSupport
import XCTest

final class PythonReferenceTests: TemporaryDirectoryTestCase {
    struct Described {
        var kind: String
        var event: Event                       // values as the file holds them (float32 bits)
        var requested: [(tag: String, value: Double)]
    }

    func described() throws -> (file: URL, bytes: Int, events: [Described]) {
        let url = fixtureURL("tensorboard/events.json")
        let root = try JSONValue.parse(Data(contentsOf: url), file: url.path).object ?? [:]
        var out: [Described] = []
        for e in root["events"]?.array ?? [] {
            let o = try XCTUnwrap(e.object)
            var event = Event(wallTime: try XCTUnwrap(o["wall_time"]?.double), step: try XCTUnwrap(o["step"]?.int),
                              fileVersion: o["file_version"]?.string, sessionStatus: o["session_status"]?.int)
            var requested: [(tag: String, value: Double)] = []
            for v in o["values"]?.array ?? [] {
                let tag = try XCTUnwrap(v.object?["tag"]?.string), value = try XCTUnwrap(v.object?["value"]?.double)
                let bits = try XCTUnwrap(UInt32(XCTUnwrap(v.object?["float32_bits"]?.string), radix: 16))
                XCTAssertEqual(Float(bitPattern: bits).bitPattern, Float(value).bitPattern, "\(tag): the JSON's own float32 rounding")
                event.values.append(ScalarValue(tag: tag, value: Float(bitPattern: bits)))
                requested.append((tag: tag, value: value))
            }
            out.append(Described(kind: try XCTUnwrap(o["kind"]?.string), event: event, requested: requested))
        }
        let name = try XCTUnwrap(root["file"]?.string)
        return (fixtureURL("tensorboard/\(name)"), try XCTUnwrap(root["bytes"]?.int), out)
    }

    func testWritesTheBytesTensorboardWrites() throws {
        let (reference, size, events) = try described()
        XCTAssertEqual(events.map(\.kind), ["file_version", "scalars", "scalars", "session_start"])
        let file = directory.appendingPathComponent("events.out.tfevents.colad")
        let w = try EventFileWriter(file: file, wallTime: events[0].event.wallTime)
        for e in events.dropFirst() {
            switch e.kind {
            case "scalars": try w.scalars(e.requested, step: e.event.step, wallTime: e.event.wallTime)
            case "session_start": try w.sessionStart(step: e.event.step, wallTime: e.event.wallTime)
            default: XCTFail("unexpected kind \(e.kind)")
            }
        }
        w.close()
        let ours = [UInt8](try Data(contentsOf: file)), theirs = [UInt8](try Data(contentsOf: reference))
        XCTAssertEqual(theirs.count, size)
        XCTAssertEqual(ours.count, theirs.count)
        let firstDifference = ours.indices.first { $0 < theirs.count && ours[$0] != theirs[$0] }
        XCTAssertNil(firstDifference, "first differing byte at offset \(firstDifference ?? -1)")
    }

    func testReadsTheFileTensorboardWrote() throws {
        let (reference, _, events) = try described()
        let read = try EventFile.read(reference)
        XCTAssertEqual(read.count, events.count)
        for (i, (got, want)) in zip(read, events).enumerated() {
            XCTAssertEqual(got, want.event, "event \(i) (\(want.kind))")
            XCTAssertEqual(got.values.map(\.value.bitPattern), want.event.values.map(\.value.bitPattern), "event \(i): exact float32 bits")
        }
    }
}
