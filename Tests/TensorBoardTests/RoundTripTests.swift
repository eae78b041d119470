// EventFileWriter's files read back by EventFile.read: names, first event, scalars as Float,
// session starts, extreme steps and times, and the writer's life cycle.
import Foundation
@testable import TensorBoard
import XCTest

final class RoundTripTests: TemporaryDirectoryTestCase {
    func testScalarsAndSessionStartReadBack() throws {
        let runs = directory.appendingPathComponent("run/tb")           // created by the writer
        let w = try EventFileWriter(directory: runs, wallTime: 1_750_000_000.75)
        try w.scalars([(tag: "a/loss/total", value: 0.1), (tag: "a/lr", value: -1e-3), (tag: "z", value: 0)], step: 5, wallTime: 1_750_000_010.5)
        try w.sessionStart(step: 3, wallTime: 1_750_000_020.25)
        try w.scalars([(tag: "a/loss/total", value: 123_456.789)], step: 4, wallTime: 1_750_000_030)
        try w.scalars([], step: 6, wallTime: 1_750_000_040)               // nothing to record
        try w.flush()
        w.close()

        let events = try EventFile.read(w.url)
        XCTAssertEqual(events.count, 4)
        XCTAssertEqual(events[0], Event(wallTime: 1_750_000_000.75, step: 0, fileVersion: "brain.Event:2"))
        XCTAssertEqual(events[1].step, 5)
        XCTAssertEqual(events[1].wallTime, 1_750_000_010.5)
        XCTAssertEqual(events[1].values.map(\.tag), ["a/loss/total", "a/lr", "z"])
        XCTAssertEqual(events[1].values.map(\.value), [0.1, -1e-3, 0].map { Float(Double($0)) })
        XCTAssertNil(events[1].fileVersion); XCTAssertNil(events[1].sessionStatus)
        XCTAssertEqual(events[2], Event(wallTime: 1_750_000_020.25, step: 3, sessionStatus: 1))
        XCTAssertEqual(events[3].values, [ScalarValue(tag: "a/loss/total", value: Float(Double(123_456.789)))])

        // events.out.tfevents.<seconds>.<hostname, may hold dots>.<pid>.<counter>
        let name = w.url.lastPathComponent
        XCTAssertTrue(name.hasPrefix("events.out.tfevents.1750000000."), name)
        let tail = name.split(separator: ".").suffix(2).map(String.init)
        XCTAssertEqual(tail.first, "\(ProcessInfo.processInfo.processIdentifier)", name)
        XCTAssertNotNil(Int(tail.last ?? ""), name)
        XCTAssertEqual(w.url.deletingLastPathComponent().standardizedFileURL.path, runs.standardizedFileURL.path)
    }

    func testTwoWritersInOneSecondGetTwoFiles() throws {
        let a = try EventFileWriter(directory: directory, wallTime: 1_700_000_000)
        let b = try EventFileWriter(directory: directory, wallTime: 1_700_000_000.9)
        XCTAssertNotEqual(a.url, b.url)
        try a.scalars([(tag: "x", value: 1)], step: 1, wallTime: 1_700_000_001)
        XCTAssertEqual(try EventFile.read(a.url).count, 2)
        XCTAssertEqual(try EventFile.read(b.url).count, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).count, 2)
    }

    func testExtremeStepsTimesAndValues() throws {
        let file = directory.appendingPathComponent("events.out.tfevents.x")
        let w = try EventFileWriter(file: file, wallTime: 0)
        let cases: [Event] = [
            Event(wallTime: -0.0, step: -1, values: [ScalarValue(tag: "", value: -.infinity)]),
            Event(wallTime: 1e300, step: Int.max, values: [ScalarValue(tag: "ü/∑", value: .greatestFiniteMagnitude)]),
            Event(wallTime: 0, step: Int.min, sessionStatus: 3),
            Event(wallTime: 0, step: 0, fileVersion: ""),
        ]
        for e in cases { try w.write(e) }
        w.close()
        let back = try EventFile.read(file)
        XCTAssertEqual(Array(back.dropFirst()), cases)
        XCTAssertEqual(back[0], Event(wallTime: 0, step: 0, fileVersion: "brain.Event:2"))
        XCTAssertEqual(back[1].wallTime.sign, .minus, "-0.0 is written, not dropped as a default")
        let nan = try EventFileWriter(file: directory.appendingPathComponent("nan"), wallTime: .nan)
        try nan.scalars([(tag: "nan", value: .nan)], step: 1, wallTime: 1)
        let read = try EventFile.read(nan.url)
        XCTAssertTrue(read[0].wallTime.isNaN && read[1].values[0].value.isNaN)
    }

    func testLifeCycleErrors() throws {
        let file = directory.appendingPathComponent("events.out.tfevents.y")
        let w = try EventFileWriter(file: file, wallTime: 1)
        w.close(); w.close()
        XCTAssertThrowsError(try w.scalars([(tag: "x", value: 1)], step: 1, wallTime: 2)) { error in
            XCTAssertTrue("\(error)".contains(file.path) && "\(error)".contains("close"), "\(error)")
        }
        XCTAssertThrowsError(try EventFileWriter(file: file, wallTime: 1)) { error in      // never overwrites
            XCTAssertTrue("\(error)".contains(file.path) && "\(error)".contains("hint:"), "\(error)")
        }
        XCTAssertThrowsError(try EventFileWriter(directory: directory, wallTime: .infinity)) { error in
            XCTAssertTrue("\(error)".contains("inf"), "\(error)")
        }
        let blocker = directory.appendingPathComponent("a-file")
        try Data([1]).write(to: blocker)
        XCTAssertThrowsError(try EventFileWriter(directory: blocker.appendingPathComponent("tb"), wallTime: 1)) { error in
            XCTAssertTrue("\(error)".contains("cannot create the directory"), "\(error)")
        }
    }
}
