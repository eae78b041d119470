import Config
import Engine
import Foundation
import PAA
import Training
import XCTest

/// A miniature run: tiny networks at 64×64, batch 2, a small built-in dataset.
func miniConfig(_ mode: Mode, iterations: Int = 6, seed: Int = 0) -> TrainingConfig {
    let tiny = NetworkConfig.preset("tiny")!
    var c = TrainingConfig(name: "test-\(mode.rawValue)", mode: mode, networkA: tiny,
                           networkB: mode == .baseline ? nil : tiny, iterations: iterations, seed: seed)
    c.data.imageSize = 64
    c.data.trainSize = 24
    c.data.valSize = 4
    c.train.batchSize = 2
    c.train.warmupIters = 2
    c.train.lrSteps = [4]
    c.train.logEvery = 1000
    c.train.evalEvery = nil
    c.train.checkpointEvery = 3
    c.train.keepCheckpoints = nil
    return c
}

func tempDir() -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("colad-train-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
}

func losses(_ dir: URL) throws -> [String] {
    try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        .split(separator: "\n").compactMap { line -> String? in
            guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], obj["eval"] == nil,
                  let it = obj["iteration"] as? Int else { return nil }
            let nets = ["a", "b"].compactMap { obj[$0] as? [String: Any] }.map { "\($0["total"]!)/\($0["num_pos"]!)" }
            return "\(it):" + nets.joined(separator: ",")
        }
}

final class TrainerTests: XCTestCase {
    /// --resume continues from `latest` and reproduces the uninterrupted run bit for bit:
    /// the same per-iteration losses and the same final weights.
    func testResumeReproducesUninterruptedRun() throws {
        let straight = tempDir(), split = tempDir()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: split) }
        let cfg = miniConfig(.baseline)
        let a = try Trainer(config: cfg, workDir: straight, log: { _ in })
        try a.run(resume: false)
        let b1 = try Trainer(config: cfg, workDir: split, log: { _ in })
        try b1.run(resume: false, stopAfter: 3)
        XCTAssertEqual(b1.iteration, 3)
        let b2 = try Trainer(config: cfg, workDir: split, log: { _ in })
        try b2.run(resume: true)
        XCTAssertEqual(b2.iteration, 6)
        XCTAssertEqual(try losses(straight), try losses(split))
        XCTAssertEqual(try losses(straight).count, 6)
        XCTAssertEqual(weights(a, .a), weights(b2, .a), "final weights differ after resume")
        XCTAssertEqual(a.replica(.a).network.optimizer!.velocity.map(\.bitPattern), b2.replica(.a).network.optimizer!.velocity.map(\.bitPattern))
    }

    /// The same config and seed give the same numbers; another seed gives other numbers.
    func testSameSeedSameRun() throws {
        let d1 = tempDir(), d2 = tempDir(), d3 = tempDir()
        defer { for d in [d1, d2, d3] { try? FileManager.default.removeItem(at: d) } }
        try Trainer(config: miniConfig(.baseline, iterations: 3), workDir: d1, log: { _ in }).run(resume: false)
        try Trainer(config: miniConfig(.baseline, iterations: 3), workDir: d2, log: { _ in }).run(resume: false)
        try Trainer(config: miniConfig(.baseline, iterations: 3, seed: 1), workDir: d3, log: { _ in }).run(resume: false)
        XCTAssertEqual(try losses(d1), try losses(d2))
        XCTAssertNotEqual(try losses(d1), try losses(d3))
    }

    /// A diverging run stops with the iteration and loss part named; the last checkpoint stays loadable.
    func testNonFiniteLossStopsWithClearErrorAndKeepsCheckpoint() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var cfg = miniConfig(.baseline, iterations: 40)
        cfg.train.lr = 1e12
        cfg.train.warmupIters = 0
        cfg.train.lrSteps = []
        cfg.train.checkpointEvery = 1
        let t = try Trainer(config: cfg, workDir: dir, log: { _ in })
        XCTAssertThrowsError(try t.run(resume: false)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("iteration") && text.contains("loss") && text.contains("network a"), text)
        }
        let latest = try XCTUnwrap(try Checkpoint.latest(in: dir.appendingPathComponent("checkpoints")))
        let state = try Checkpoint.readState(latest)
        XCTAssertEqual(state.iteration, t.iteration, "the latest checkpoint is the last completed iteration")
        XCTAssertNoThrow(try SafeTensors.read(latest.appendingPathComponent("network-a.safetensors")))
    }

    /// Every assignment mode trains end to end for two iterations (losses finite, positives found).
    func testModesSmoke() throws {
        for (mode, rule, gran) in [(Mode.baseline, CoLADRule.stdMean, Granularity.iteration), (.colad, .stdMean, .iteration),
                                   (.colad, .stdMean, .object), (.colad, .mean, .iteration), (.colad, .fixedB, .object)] {
            let dir = tempDir()
            defer { try? FileManager.default.removeItem(at: dir) }
            var cfg = miniConfig(mode, iterations: 2)
            cfg.colad.rule = rule; cfg.colad.granularity = gran
            let t = try Trainer(config: cfg, workDir: dir, log: { _ in })
            let r = try t.runIteration()
            XCTAssertEqual(Set(r.networks.keys), Set(ModePlan(cfg).trainedNetworks), "\(mode)")
            for n in r.networks.values { XCTAssertTrue(n.total.isFinite && n.numPositives > 0, "\(mode) \(rule) \(gran): \(n)") }
            if mode == .colad {
                let d = try XCTUnwrap(r.decision)
                if rule == .fixedB { XCTAssertEqual(d.teacherBRatio, 1) }
                XCTAssertTrue((0...1).contains(d.teacherBRatio))
            }
        }
    }

    /// A checkpoint directory without a manifest (a crash mid-save) is never loaded.
    func testIncompleteCheckpointIsRejected() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try Trainer(config: miniConfig(.baseline, iterations: 2), workDir: dir, log: { _ in })
        try t.run(resume: false)
        let root = dir.appendingPathComponent("checkpoints")
        let latest = try XCTUnwrap(try Checkpoint.latest(in: root))
        try FileManager.default.removeItem(at: latest.appendingPathComponent("manifest.json"))
        XCTAssertThrowsError(try Checkpoint.latest(in: root)) { XCTAssertTrue("\($0)".contains("manifest"), "\($0)") }
        // A truncated weights file is caught by the manifest's sizes.
        let other = dir.appendingPathComponent("again")
        try Trainer(config: miniConfig(.baseline, iterations: 2), workDir: other, log: { _ in }).run(resume: false)
        let again = try XCTUnwrap(try Checkpoint.latest(in: other.appendingPathComponent("checkpoints")))
        let w = again.appendingPathComponent("network-a.safetensors")
        let data = try Data(contentsOf: w)
        try data.prefix(data.count / 2).write(to: w)
        XCTAssertThrowsError(try Checkpoint.latest(in: other.appendingPathComponent("checkpoints"))) { XCTAssertTrue("\($0)".contains("size"), "\($0)") }
    }
}
