import Config
import Engine
import Foundation
import Training
import XCTest

/// `network_*.checkpoint` given as a run's work dir, its checkpoints/ folder, a checkpoint
/// directory or a weights file: all load the same weights; a directory without a checkpoint
/// is an error naming it.
final class TeacherCheckpointTests: XCTestCase {
    func testEveryFormOfTheTeacherPathLoadsTheRunsLatestWeights() throws {
        let run = tempDir(), student = tempDir()
        defer { try? FileManager.default.removeItem(at: run); try? FileManager.default.removeItem(at: student) }
        var first = miniConfig(.baseline, iterations: 3)
        first.train.checkpointEvery = 2
        let baseline = try Trainer(config: first, workDir: run, log: { _ in })
        try baseline.run(resume: false)
        let trained = weights(baseline, .a)
        let file = run.appendingPathComponent("checkpoints/iter_0000003/network-a.safetensors")
        for path in [run.path, run.appendingPathComponent("checkpoints").path,
                     run.appendingPathComponent("checkpoints/iter_0000003").path, file.path] {
            XCTAssertEqual(try Checkpoint.weightsFile(path, network: .a, key: "network_a.checkpoint").path, file.path, path)
            var c = miniConfig(.lad)
            c.networkA.checkpoint = path
            XCTAssertNoThrow(try c.validate())
            let t = try Trainer(config: c, workDir: student, log: { _ in })
            XCTAssertEqual(weights(t, .a), trained, "the teacher loaded from \(path)")
        }
        // `latest` decides: an older checkpoint directory is not what the work dir means.
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/iter_0000002/manifest.json").path))
        XCTAssertNotEqual(try Checkpoint.weightsFile(run.path, network: .a, key: "k").path,
                          run.appendingPathComponent("checkpoints/iter_0000002/network-a.safetensors").path)
    }

    func testADirectoryWithoutACheckpointIsNamed() throws {
        let empty = tempDir()
        defer { try? FileManager.default.removeItem(at: empty) }
        var c = miniConfig(.lad)
        c.networkA.checkpoint = empty.path
        XCTAssertThrowsError(try Trainer(config: c, workDir: tempDir(), log: { _ in })) { e in
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix("network_a.checkpoint: \(empty.path) holds no checkpoint (no \(empty.path)/latest)"), text)
            XCTAssertTrue(text.contains("hint: give a run's work dir once it has written a checkpoint"), text)
        }
        c.networkA.checkpoint = empty.appendingPathComponent("missing").path
        XCTAssertThrowsError(try Trainer(config: c, workDir: tempDir(), log: { _ in })) { e in
            XCTAssertTrue("\(e)".hasPrefix("network_a.checkpoint: \(empty.path)/missing: no such file or directory"), "\(e)")
        }
    }

    /// A LAD run's checkpoint holds only its student (network-b): as a teacher of network A
    /// its only network file is taken; asked for explicitly (eval --network a) it is an error
    /// that lists what the checkpoint has.
    func testACheckpointWithOneNetworkServesAsTeacher() throws {
        let teacherRun = tempDir(), ladRun = tempDir()
        defer { try? FileManager.default.removeItem(at: teacherRun); try? FileManager.default.removeItem(at: ladRun) }
        try Trainer(config: miniConfig(.baseline, iterations: 2), workDir: teacherRun, log: { _ in }).run(resume: false)
        var lad = miniConfig(.lad, iterations: 2)
        lad.networkA.checkpoint = teacherRun.path
        try Trainer(config: lad, workDir: ladRun, log: { _ in }).run(resume: false)
        let b = ladRun.appendingPathComponent("checkpoints/iter_0000002/network-b.safetensors")
        XCTAssertEqual(try Checkpoint.weightsFile(ladRun.path, network: .a, key: "k", onlyFileOfAnyNetwork: true).path, b.path)
        XCTAssertThrowsError(try Checkpoint.weightsFile(ladRun.path, network: .a, key: "--checkpoint")) { e in
            XCTAssertTrue("\(e)".contains("has no network-a.safetensors (it has network-b.safetensors)"), "\(e)")
        }
    }
}
