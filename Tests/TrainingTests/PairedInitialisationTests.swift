import Config
import Engine
import Foundation
import Training
import XCTest

/// Paired design (issue 14): within a seed, a network's initial weights depend on its
/// architecture only, so a baseline, a distillation student and a CoLAD network of one
/// architecture start bit-identical, in slot A or B.
final class PairedInitialisationTests: XCTestCase {
    func initial(_ c: TrainingConfig, _ id: NetworkID) throws -> [Float] {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        return try Trainer(config: c, workDir: dir, log: { _ in }).replica(id).network.network.store.snapshotValues()
    }

    func config(_ mode: Mode, a: String, b: String?, seed: Int = 3) -> TrainingConfig {
        var c = miniConfig(mode, seed: seed)
        c.networkA = NetworkConfig.preset(a)!
        c.networkB = b.map { NetworkConfig.preset($0)! }
        return c
    }

    func testOneArchitectureStartsIdenticalInEveryModeAndSlot() throws {
        // A frozen small teacher for the distillation modes (its own weights come from the file).
        let teacherRun = tempDir()
        defer { try? FileManager.default.removeItem(at: teacherRun) }
        var t = config(.baseline, a: "small", b: nil, seed: 9)
        t.train.iterations = 1; t.train.checkpointEvery = 1
        try Trainer(config: t, workDir: teacherRun, log: { _ in }).run(resume: false)

        let tiny = try initial(config(.baseline, a: "tiny", b: nil), .a)
        let small = try initial(config(.baseline, a: "small", b: nil), .a)
        XCTAssertNotEqual(tiny.count, small.count)
        for mode in [Mode.lad, .soft, .solad] {
            var c = config(mode, a: "small", b: "tiny")
            c.networkA.checkpoint = teacherRun.path
            XCTAssertEqual(try initial(c, .b), tiny, "\(mode.rawValue) student (slot b) starts as the tiny baseline")
        }
        XCTAssertEqual(try initial(config(.colad, a: "tiny", b: "small"), .a), tiny, "CoLAD tiny in slot a")
        XCTAssertEqual(try initial(config(.colad, a: "tiny", b: "small"), .b), small, "CoLAD small in slot b")
        XCTAssertEqual(try initial(config(.colad, a: "small", b: "tiny"), .b), tiny, "CoLAD tiny in slot b")

        // Two networks of one architecture in one job must not start (and stay) identical.
        let same = config(.colad, a: "tiny", b: "tiny")
        XCTAssertEqual(try initial(same, .a), tiny)
        XCTAssertNotEqual(try initial(same, .b), tiny)
        // Another seed, other weights.
        XCTAssertNotEqual(try initial(config(.baseline, a: "tiny", b: nil, seed: 4), .a), tiny)
    }
}
