import Config
import Foundation
import Training
import XCTest

/// A resume with a different configuration is refused, names the keys that differ with both
/// values, and leaves the run's config.yaml as it was.
final class ResumeRefusalTests: XCTestCase {
    func testRefusalNamesTheChangedKeysAndKeepsConfigYAML() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = miniConfig(.baseline, iterations: 2)
        XCTAssertEqual(first.train.lr, 0.01)
        try Trainer(config: first, workDir: dir, log: { _ in }).run(resume: false)
        let file = dir.appendingPathComponent("config.yaml")
        let before = try Data(contentsOf: file)

        var changed = first
        changed.train.lr = 0.02
        changed.train.batchSize = 3
        changed.monitor.trace = true   // not part of the config hash: never listed
        XCTAssertThrowsError(try Trainer(config: changed, workDir: dir, log: { _ in }).run(resume: true)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("was written with a different configuration: 2 keys differ"), text)
            XCTAssertTrue(text.contains("\n  train.batch_size: 2 (checkpoint) vs 3 (now)"), text)
            XCTAssertTrue(text.contains("\n  train.lr: 0.01 (checkpoint) vs 0.02 (now)"), text)
            XCTAssertFalse(text.contains("monitor"), text)
            XCTAssertTrue(text.contains("hint: resume with the same config"), text)
        }
        XCTAssertEqual(try Data(contentsOf: file), before, "a refused resume rewrote config.yaml")

        // The same config resumes (and only then is config.yaml written again).
        var same = first
        same.train.iterations = 2
        try Trainer(config: same, workDir: dir, log: { _ in }).run(resume: true)
    }

    /// A checkpoint written before the state recorded its config: the work dir's config.yaml
    /// (still the run's, since a refused resume does not rewrite it) stands in.
    func testOlderCheckpointsCompareWithConfigYAML() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = miniConfig(.baseline, iterations: 2)
        try Trainer(config: first, workDir: dir, log: { _ in }).run(resume: false)
        let ckpt = try XCTUnwrap(try Checkpoint.latest(in: dir.appendingPathComponent("checkpoints")))
        var state = try Checkpoint.readState(ckpt)
        XCTAssertEqual(state.config, first.resolvedYAML(), "the checkpoint records its resolved config")
        state.config = nil
        try Checkpoint.commit(ckpt, state: state, root: dir.appendingPathComponent("checkpoints"))
        var changed = first
        changed.seed = 5
        XCTAssertThrowsError(try Trainer(config: changed, workDir: dir, log: { _ in }).run(resume: true)) { e in
            XCTAssertTrue("\(e)".contains("\n  seed: 0 (config.yaml) vs 5 (now)"), "\(e)")
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("config.yaml"))
        XCTAssertThrowsError(try Trainer(config: changed, workDir: dir, log: { _ in }).run(resume: true)) { e in
            XCTAssertTrue("\(e)".contains("the keys that differ are not recorded"), "\(e)")
        }
    }
}
