import Config
import Datasets
import Detection
import Distillation
import Engine
import Foundation
import PAA
import Training
import XCTest

/// A network's weights as bit patterns (for bit-exact comparisons).
func weights(_ t: Trainer, _ id: NetworkID) -> [UInt32] { t.replica(id).network.network.store.snapshotValues().map(\.bitPattern) }

final class DistillationModeTests: XCTestCase {
    /// Trains a baseline for 3 iterations and returns its checkpoint's network-a file (a teacher).
    func teacherCheckpoint(_ dir: URL) throws -> String {
        let t = try Trainer(config: miniConfig(.baseline, iterations: 3), workDir: dir, log: { _ in })
        try t.run(resume: false)
        return try XCTUnwrap(try Checkpoint.latest(in: t.checkpointRoot)).appendingPathComponent("network-a.safetensors").path
    }

    func ladConfig(teacher: String, studentInit: String? = nil) -> TrainingConfig {
        var c = miniConfig(.lad, iterations: 4)
        c.networkA.checkpoint = teacher
        c.networkB!.checkpoint = studentInit
        return c
    }

    /// LAD: the student's own predictions never influence the assignment — two students with
    /// different weights receive identical assignments from the same frozen teacher.
    func testLADAssignmentIgnoresStudent() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let teacher = try teacherCheckpoint(dir.appendingPathComponent("teacher"))
        let fresh = try Trainer(config: ladConfig(teacher: teacher), workDir: dir.appendingPathComponent("s1"), log: { _ in })
        let other = try Trainer(config: ladConfig(teacher: teacher, studentInit: teacher), workDir: dir.appendingPathComponent("s2"), log: { _ in })
        XCTAssertNotEqual(weights(fresh, .b), weights(other, .b))
        for _ in 0..<3 {
            let r1 = try fresh.runIteration(), r2 = try other.runIteration()
            let labels = try XCTUnwrap(fresh.replica(.b).lastAssignments)
            XCTAssertEqual(labels, other.replica(.b).lastAssignments)
            XCTAssertEqual(labels, fresh.replica(.a).lastAssignments, "the student learns the teacher's assignment")
            XCTAssertGreaterThan(labels.map(\.numPositives).reduce(0, +), 0)
            XCTAssertNotEqual(r1.networks[.b]!.total, r2.networks[.b]!.total, "different students, different losses")
        }
        // The teacher never changes.
        XCTAssertNil(fresh.replica(.a).network.optimizer)
    }

    /// CoLAD with rule fixed-a and a frozen A is LAD: same assignments, same student losses and
    /// the same student weights after several iterations, bit for bit.
    func testCoLADFixedAWithFrozenAEqualsLAD() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let teacher = try teacherCheckpoint(dir.appendingPathComponent("teacher"))
        let lad = try Trainer(config: ladConfig(teacher: teacher), workDir: dir.appendingPathComponent("lad"), log: { _ in })
        var c = miniConfig(.colad, iterations: 4)
        c.networkA.checkpoint = teacher
        c.colad.rule = .fixedA
        let colad = try Trainer(config: c, workDir: dir.appendingPathComponent("colad"), freeze: [.a], log: { _ in })
        for _ in 0..<3 {
            let r1 = try lad.runIteration(), r2 = try colad.runIteration()
            XCTAssertEqual(lad.replica(.b).lastAssignments, colad.replica(.b).lastAssignments)
            XCTAssertEqual(r1.networks[.b], r2.networks[.b])
            XCTAssertNil(r2.networks[.a], "the frozen A is not trained")
            XCTAssertEqual(r2.decision?.teacher, .a)
        }
        XCTAssertEqual(weights(lad, .b), weights(colad, .b))
    }

    /// soft: the student learns from the teacher's outputs only (no GT losses); solad: LAD + soft.
    func testSoftAndSoLADTrain() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let teacher = try teacherCheckpoint(dir.appendingPathComponent("teacher"))
        for mode in [Mode.soft, .solad] {
            var c = miniConfig(mode, iterations: 2)
            c.networkA.checkpoint = teacher
            let t = try Trainer(config: c, workDir: dir.appendingPathComponent(mode.rawValue), log: { _ in })
            let before = weights(t, .b)
            let r = try t.runIteration()
            let b = try XCTUnwrap(r.networks[.b])
            let kd = try XCTUnwrap(b.kd)
            XCTAssertTrue(kd.cls > 0 && kd.iou > 0 && kd.box >= 0 && kd.cls.isFinite, "\(mode): \(kd)")
            if mode == .soft {
                XCTAssertEqual(b.cls, 0); XCTAssertEqual(b.numPositives, 0)
                XCTAssertNil(t.replica(.b).lastAssignments)
            } else {
                XCTAssertGreaterThan(b.numPositives, 0); XCTAssertGreaterThan(b.cls, 0)
            }
            XCTAssertNotEqual(weights(t, .b), before, "the student was updated")
            XCTAssertNil(r.networks[.a], "the teacher is frozen")
        }
    }

    /// With one object whose candidates all lie on one level, iteration and object granularity
    /// make the same decision and the same assignment (one (object, level) set in the batch).
    func testIterationAndObjectGranularityAgreeForOneObjectOneLevel() throws {
        let layout = AnchorLayout(.init(inputSize: 128, strides: [8, 16, 32], anchorScale: 2, centerOffset: 0))
        let step = AssignmentStep(layout: layout, assigner: PAAAssigner(layout: layout))
        // An 8×8 box centred on a P3 anchor: P3 anchors (16 px) reach IoU 0.25 and 0.11 for the
        // neighbours; P4 anchors (32 px) at most 64/1024 < 0.1.
        let gt = ObjectTargets(boxes: [BoxXYXY(x1: 52, y1: 44, x2: 60, y2: 52)], labels: [2])
        let pre = step.assigner.preassign(gt, valid: layout.validFlags(width: 128, height: 128))
        XCTAssertEqual(Set(pre.candidates.map(\.level)), [0])
        XCTAssertGreaterThanOrEqual(pre.candidates.count, 2)
        var rng = SplitMix64(seed: 5)
        for trial in 0..<20 {
            let ca = pre.candidates.map { _ in Float(0.5 + 3 * rng.nextUniform()) }
            let cb = pre.candidates.map { _ in Float(0.5 + 3 * rng.nextUniform()) }
            for kind in TeacherRuleKind.allCases {
                let rule = TeacherRule(kind)
                // Iteration granularity: the rule on the aggregates, then the chosen side finalizes.
                let teacher = rule.decide(a: step.aggregate([pre], costs: [ca]), b: step.aggregate([pre], costs: [cb]))
                let it = step.finalize([pre], costs: teacher == .a ? [ca] : [cb])
                let (ob, stats) = step.mergePerObject([pre], costsA: [ca], costsB: [cb], rule: rule)
                XCTAssertEqual(it, ob, "trial \(trial) rule \(kind)")
                XCTAssertEqual(stats.pairs, 1)
                XCTAssertEqual(stats.fromB, teacher == .b ? 1 : 0)
            }
        }
    }
}
