import Config
import Foundation
import TensorBoard
import Training
import XCTest

/// A real run's TensorBoard event files hold every scalar of its metrics.jsonl (ScalarTags), and a
/// resumed launch marks where it restarts. (TensorBoard's own reader checks the same files in
/// Tests/Integration/observability.sh.)
final class EventFileRunTests: XCTestCase {
    func eventFiles(_ dir: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("events.out.tfevents.") }.sorted { $0.path < $1.path }
    }

    func testEveryMetricsScalarIsInTheEventFile() throws {
        var c = miniConfig(.colad, iterations: 4)
        c.train.evalEvery = 2
        let dir = tempDir()
        try Trainer(config: c, workDir: dir, log: { _ in }).run(resume: false)
        let files = try eventFiles(dir)
        XCTAssertEqual(files.count, 1)
        let events = try EventFile.read(files[0])
        XCTAssertEqual(events.first?.fileVersion, "brain.Event:2")
        XCTAssertEqual(events.filter { $0.sessionStatus == Event.sessionStart }.map(\.step), [1])
        var got: [String: [Int: Float]] = [:]
        for e in events { for v in e.values { got[v.tag, default: [:]][e.step] = v.value } }
        var expected: [String: [Int: Float]] = [:]
        for line in try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for s in ScalarTags.scalars(obj) { expected[s.tag, default: [:]][s.step] = Float(s.value) }
        }
        XCTAssertEqual(got, expected)
        // The scheme covers what the issue asks for: losses, lr, positives, throughput, the decision, evaluations.
        for tag in ["a/loss/total", "b/loss/cls", "a/lr", "b/num_pos", "job/images_per_s", "job/time/forward",
                    "colad/teacher_is_b", "colad/b_label_share", "a/eval/bbox_mAP", "b/eval/bbox_mAP_50"] {
            XCTAssertNotNil(got[tag], tag)
        }
        XCTAssertEqual(got["a/loss/total"]?.keys.sorted(), [1, 2, 3, 4])
        XCTAssertEqual(got["a/eval/bbox_mAP"]?.keys.sorted(), [2, 4])
    }

    func testAResumedLaunchStartsASessionAtItsFirstStep() throws {
        var c = miniConfig(.baseline, iterations: 6)
        let dir = tempDir()
        try Trainer(config: c, workDir: dir, log: { _ in }).run(resume: false, stopAfter: 3)
        try Trainer(config: c, workDir: dir, log: { _ in }).run(resume: true)
        let files = try eventFiles(dir)
        XCTAssertEqual(files.count, 2)
        let second = try EventFile.read(files[1])
        XCTAssertEqual(second.filter { $0.sessionStatus == Event.sessionStart }.map(\.step), [4])
        XCTAssertEqual(Set(second.filter { !$0.values.isEmpty }.map(\.step)), [4, 5, 6])   // iterations 4-6 (and the final evaluation at 6)
        c.monitor.tensorboard = false
        let off = tempDir()
        try Trainer(config: c, workDir: off, log: { _ in }).run(resume: false, stopAfter: 1)
        XCTAssertEqual(try eventFiles(off), [])
    }
}
