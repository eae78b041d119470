import Config
import Foundation
import Training
import XCTest

/// What a run leaves behind, from the ledger's events.
final class JournalTests: XCTestCase {
    func record(_ t: Int, images: Int = 8) -> IterationRecord {
        var r = IterationRecord(iteration: t)
        r.images = images; r.times = ["forward": 0.25, "step": 0.25]
        r.networks[.a] = NetworkRecord(cls: 1, box: 2, iou: 3, numPositives: 4, lr: 0.5)
        return r
    }

    /// The rate is the median interval between lines: an evaluation between two iterations
    /// (here 10 s) does not drag it down; before a second line, the phase times stand in.
    func testRateIgnoresOneSlowInterval() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let j = try Journal(config: miniConfig(.baseline), workDir: dir, start: 0, log: { _ in })
        XCTAssertEqual(j.rate.imagesPerSecond, 0)
        let t0 = Date(timeIntervalSince1970: 0)
        try j.write(.record(record(0)), at: t0)
        XCTAssertEqual(j.rate.secondsPerIteration, 0.5, "phase times of the first line")
        for (t, at) in [(1, 1.0), (2, 2.0), (3, 12.0), (4, 13.0)] { try j.write(.record(record(t)), at: t0.addingTimeInterval(at)) }
        XCTAssertEqual(j.rate.secondsPerIteration, 1)
        XCTAssertEqual(j.rate.imagesPerSecond, 8)
        XCTAssertEqual(j.lastNetworks[.a]?.cls, 1)
        let lines = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
    }

    /// A checkpoint commit writes state.json with every network's steps and the rule's history,
    /// and points `latest` at it.
    func testCheckpointCommit() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = miniConfig(.colad)
        let j = try Journal(config: c, workDir: dir, start: 0, jobId: "abc", log: { _ in })
        let ckpt = dir.appendingPathComponent("checkpoints/iter_0000003")
        try FileManager.default.createDirectory(at: ckpt, withIntermediateDirectories: true)
        try Data("w".utf8).write(to: ckpt.appendingPathComponent("network-a.safetensors"))
        let history = TeacherHistory(checkpointExtra: ["teacher_b_sum": "1.5", "decided": "3"])
        try j.write(.checkpoint(iteration: 3, saved: [.a: Saved(network: .a, optimizerSteps: 3, epoch: 1, iterationInEpoch: 2),
                                                      .b: Saved(network: .b, optimizerSteps: 2, epoch: 1, iterationInEpoch: 2)], history: history))
        XCTAssertEqual(try Checkpoint.latest(in: dir.appendingPathComponent("checkpoints"))?.lastPathComponent, "iter_0000003")
        let state = try Checkpoint.readState(ckpt)
        XCTAssertEqual(state.iteration, 3); XCTAssertEqual(state.epoch, 1); XCTAssertEqual(state.iterationInEpoch, 2)
        XCTAssertEqual(state.optimizerSteps, ["a": 3, "b": 2])
        XCTAssertEqual(state.extra, ["teacher_b_sum": "1.5", "decided": "3", "job_id": "abc"])
        XCTAssertEqual(state.configHash, c.hash)
        XCTAssertEqual(j.lastCheckpoint?.iteration, 3)
    }
}
