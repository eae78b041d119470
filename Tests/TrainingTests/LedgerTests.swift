import Config
import Distillation
import Foundation
import Training
import XCTest

/// The coordinator's bookkeeping without sockets: what it decides and records, and what it refuses.
final class LedgerTests: XCTestCase {
    /// CoLAD, k replicas per network, ranks 1…2k (rank 0 is the coordinator).
    func ledger(_ mode: Mode = .colad, k: Int = 1, iterations: Int = 6, stopAfter: Int? = nil, granularity: Granularity = .iteration,
                configure: (inout TrainingConfig) -> Void = { _ in }) -> Ledger {
        var c = miniConfig(mode, iterations: iterations)
        c.colad.granularity = granularity
        configure(&c)
        let plan = ModePlan(c)
        return Ledger(config: c, plan: plan, topology: JobTopology(k: k, networks: plan.networks, coordinatorRank: 0), start: 0, stopAfter: stopAfter)
    }

    func agg(_ pairs: [(Double, Double?)]) -> AggregateStats {
        var a = AggregateStats()
        for (m, s) in pairs { a.add(CostStats(count: s == nil ? 1 : 3, mean: m, std: s)) }
        return a
    }

    func decisions(_ events: [LedgerEvent]) -> [Int: Decision] {
        var out: [Int: Decision] = [:]
        for case .decision(let t, let d) in events { out[t] = d }
        return out
    }

    func records(_ events: [LedgerEvent]) -> [IterationRecord] {
        events.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
    }

    func report(_ net: NetworkID, cls: Double, pos: Int = 3) -> Report {
        var r = Report(network: net, record: NetworkRecord(cls: cls, box: 1, iou: 0.5, numPositives: pos, lr: 0.01))
        r.images = 2; r.times = ["forward": cls, "total": 9]; r.residentMB = 100 + cls
        return r
    }

    func testDecidesOnceEveryReplicaSentItsStatistics() throws {
        var l = ledger()
        XCTAssertEqual(try l.stats(Stats(a: agg([(1, 0.1)])), iteration: 0, from: 1), [])
        XCTAssertEqual(l.awaitingStats()?.missing, [2])
        // A's ratio 0.1, B's 0.5: B's costs spread more → B teaches.
        let d = decisions(try l.stats(Stats(b: agg([(1, 0.5)])), iteration: 0, from: 2))
        XCTAssertEqual(d[0]?.teacher, .b)
        XCTAssertEqual(l.next, 1)
        XCTAssertNil(l.awaitingStats())
        XCTAssertEqual(l.history.decided, 1)
        XCTAssertEqual(l.history.meanRatioB, 1)
    }

    func testStaleDuplicateEarlyAndStrangerStatisticsAreRefused() throws {
        var l = ledger(iterations: 3)
        _ = try l.stats(Stats(a: agg([(1, 0.1)])), iteration: 0, from: 1)
        XCTAssertThrowsError(try l.stats(Stats(a: agg([(9, 9)])), iteration: 0, from: 1)) { XCTAssertTrue("\($0)".contains("duplicate"), "\($0)") }
        XCTAssertThrowsError(try l.stats(Stats(), iteration: 0, from: 7)) { XCTAssertTrue("\($0)".contains("not a replica"), "\($0)") }
        XCTAssertThrowsError(try l.stats(Stats(), iteration: 3, from: 2), "beyond the launch's end")
        _ = try l.stats(Stats(b: agg([(1, 0.5)])), iteration: 0, from: 2)
        XCTAssertThrowsError(try l.stats(Stats(b: agg([(1, 0.5)])), iteration: 0, from: 2), "stale: iteration 0 is decided")
        // The duplicate did not replace the first statistics: B won with A's ratio 0.1, not 9/9 = 1.
        XCTAssertEqual(l.history.recent.last?.teacher, .b)
    }

    func testRecordsWaitForEveryReportAndComeOutInOrder() throws {
        var l = ledger(k: 2)
        for t in 0..<2 { for r in 1...4 { _ = try l.stats(Stats(), iteration: t, from: r) } }
        XCTAssertEqual(l.next, 2)
        XCTAssertThrowsError(try l.report(report(.a, cls: 1), iteration: 2, from: 1), "iteration 2 is not decided")
        // Iteration 1's reports arrive first; its record waits for iteration 0's.
        for r in 1...4 { XCTAssertEqual(records(try l.report(report(r <= 2 ? .a : .b, cls: Double(r)), iteration: 1, from: r)), []) }
        for r in [1, 2, 3] { XCTAssertEqual(records(try l.report(report(r <= 2 ? .a : .b, cls: Double(10 * r)), iteration: 0, from: r)), []) }
        XCTAssertEqual(l.awaitingReports()?.missing, [4], "the missing report is named")
        XCTAssertThrowsError(try l.report(report(.a, cls: 1), iteration: 0, from: 1)) { XCTAssertTrue("\($0)".contains("duplicate")) }
        let out = records(try l.report(report(.b, cls: 40), iteration: 0, from: 4))
        XCTAssertEqual(out.map(\.iteration), [0, 1])
        // Group sums in rank order; the slowest rank's phase time; the global batch's images.
        XCTAssertEqual(out[0].networks[.a]?.cls, 30); XCTAssertEqual(out[0].networks[.b]?.cls, 70)
        XCTAssertEqual(out[0].networks[.a]?.numPositives, 6)
        XCTAssertEqual(out[1].times["forward"], 4); XCTAssertNil(out[1].times["total"])
        // The largest rank's resident memory (100 + cls of each report).
        XCTAssertEqual(out.map(\.residentMB), [140, 104])
        XCTAssertEqual(out[0].images, 4)
        XCTAssertEqual(l.written, 1)
        XCTAssertThrowsError(try l.report(report(.a, cls: 1), iteration: 1, from: 1), "stale: iteration 1 is recorded")
    }

    func testCheckpointCommitsWhenEveryTrainedNetworkSaved() throws {
        var l = ledger(iterations: 6) { $0.train.checkpointEvery = 2 }
        let saved = { (n: NetworkID) in Saved(network: n, optimizerSteps: 2, epoch: 0, iterationInEpoch: 2) }
        for t in 0..<2 {
            let d = decisions(try l.stats(Stats(), iteration: t, from: 1) + l.stats(Stats(), iteration: t, from: 2))
            XCTAssertEqual(d[t]?.checkpoint, t == 1, "checkpoint after 2 iterations")
        }
        XCTAssertTrue(l.checkpointing)
        XCTAssertThrowsError(try l.saved(saved(.a), iteration: 0, from: 1), "no checkpoint after iteration 1")
        XCTAssertThrowsError(try l.saved(saved(.a), iteration: 1, from: 2)) { XCTAssertTrue("\($0)".contains("does not save"), "\($0)") }
        XCTAssertEqual(try l.saved(saved(.a), iteration: 1, from: 1), [])
        XCTAssertThrowsError(try l.saved(saved(.a), iteration: 1, from: 1)) { XCTAssertTrue("\($0)".contains("no checkpoint awaited")) }
        let events = try l.saved(saved(.b), iteration: 1, from: 2)
        guard case .checkpoint(let it, let s, _)? = events.first else { return XCTFail("\(events)") }
        XCTAssertEqual(it, 2); XCTAssertEqual(Set(s.keys), [.a, .b])
        XCTAssertFalse(l.checkpointing)
    }

    func testLADAwaitsOnlyTheStudentsSaveAndEvaluation() throws {
        var l = ledger(.lad, iterations: 1) { $0.networkA.checkpoint = "/t.safetensors" }
        let d = decisions(try l.stats(Stats(), iteration: 0, from: 1) + l.stats(Stats(), iteration: 0, from: 2))
        XCTAssertEqual(d[0], Decision(teacher: nil, evaluate: true, checkpoint: true, last: true))
        XCTAssertThrowsError(try l.saved(Saved(network: .a, optimizerSteps: 0, epoch: 0, iterationInEpoch: 0), iteration: 0, from: 1), "A is frozen")
        XCTAssertThrowsError(try l.evaluated(EvalResult(network: .a, metrics: [:], seconds: 0), iteration: 0, from: 1), "lad evaluates B")
        XCTAssertEqual(try l.evaluated(EvalResult(network: .b, metrics: ["bbox_mAP": 0.5], seconds: 1), iteration: 0, from: 2), [],
                       "held until iteration 0's record")
        _ = try l.report(Report(network: .a, record: nil), iteration: 0, from: 1)
        let events = try l.report(report(.b, cls: 1), iteration: 0, from: 2)
        XCTAssertEqual(events.count, 2)
        guard case .record(let r) = events[0], case .evaluation(0, let e) = events[1] else { return XCTFail("\(events)") }
        XCTAssertEqual(Set(r.networks.keys), [.b]); XCTAssertEqual(e.metrics["bbox_mAP"], 0.5)
        XCTAssertFalse(l.complete, "the save is still out")
        _ = try l.saved(Saved(network: .b, optimizerSteps: 1, epoch: 0, iterationInEpoch: 1), iteration: 0, from: 2)
        XCTAssertTrue(l.complete)
    }

    /// Evaluation lines come out in network order once both networks evaluated, whatever order
    /// the replicas finished in (a job's metrics.jsonl is deterministic).
    func testEvaluationLinesInNetworkOrder() throws {
        var l = ledger(iterations: 1)
        _ = try l.stats(Stats(), iteration: 0, from: 1); _ = try l.stats(Stats(), iteration: 0, from: 2)
        _ = try l.report(report(.a, cls: 1), iteration: 0, from: 1)
        XCTAssertEqual(records(try l.report(report(.b, cls: 1), iteration: 0, from: 2)).count, 1)
        XCTAssertEqual(try l.evaluated(EvalResult(network: .b, metrics: ["bbox_mAP": 0.2], seconds: 1), iteration: 0, from: 2), [])
        let events = try l.evaluated(EvalResult(network: .a, metrics: ["bbox_mAP": 0.1], seconds: 1), iteration: 0, from: 1)
        XCTAssertEqual(events.map { e -> String in if case .evaluation(_, let r) = e { return r.network.rawValue } else { return "?" } }, ["a", "b"])
        XCTAssertThrowsError(try l.evaluated(EvalResult(network: .a, metrics: [:], seconds: 1), iteration: 0, from: 1), "duplicate")
    }

    func testScheduleAndControlRequests() throws {
        var l = ledger(iterations: 10, stopAfter: 4) { $0.train.evalEvery = 3; $0.train.checkpointEvery = nil }
        XCTAssertEqual(l.end, 4)
        func decide(_ t: Int) throws -> Decision { decisions(try l.stats(Stats(), iteration: t, from: 1) + l.stats(Stats(), iteration: t, from: 2))[t]! }
        XCTAssertEqual(try decide(0), Decision(teacher: .a, evaluate: false, checkpoint: false, last: false))
        l.requestCheckpoint()
        XCTAssertEqual(try decide(1), Decision(teacher: .a, evaluate: false, checkpoint: true, last: false))
        XCTAssertEqual(try decide(2), Decision(teacher: .a, evaluate: true, checkpoint: false, last: false), "eval every 3")
        l.requestStop()
        XCTAssertEqual(try decide(3), Decision(teacher: .a, evaluate: false, checkpoint: true, last: true))
        XCTAssertEqual(l.end, 4)
        var s = ledger(iterations: 10) { $0.train.checkpointEvery = nil }
        _ = try s.stats(Stats(), iteration: 0, from: 1)
        s.requestStop()
        let d = decisions(try s.stats(Stats(), iteration: 0, from: 2))
        XCTAssertEqual(d[0]?.last, true); XCTAssertEqual(d[0]?.checkpoint, true)
        XCTAssertEqual(s.end, 1, "a stop moves the end of the launch")
        XCTAssertThrowsError(try s.stats(Stats(), iteration: 1, from: 1))
    }

    /// Per-iteration rule over two replicas per network: the aggregates are summed over each
    /// group before the rule, so the decision is the global batch's, not any one rank's.
    func testRuleSeesTheGlobalBatch() throws {
        var l = ledger(k: 2)
        // Rank 1 alone: A ratio 0.05; ranks 1+2: (0.05 + 0.95)/2 = 0.5 > B's 0.3 → A.
        _ = try l.stats(Stats(a: agg([(1, 0.05)])), iteration: 0, from: 1)
        _ = try l.stats(Stats(a: agg([(1, 0.95)])), iteration: 0, from: 2)
        _ = try l.stats(Stats(b: agg([(1, 0.3)])), iteration: 0, from: 3)
        let d = decisions(try l.stats(Stats(b: agg([(1, 0.3)])), iteration: 0, from: 4))
        XCTAssertEqual(d[0]?.teacher, .a)
        XCTAssertEqual(l.history.meanRatioB, 0)
    }

    /// Per-object rule: the ratio comes from network A's ranks' counts (B's carry the same).
    func testPerObjectRatioFromNetworkAsRanks() throws {
        var l = ledger(k: 2, granularity: .object)
        _ = try l.stats(Stats(a: agg([(1, 0.1)]), b: agg([(2, 0.2)]), pairs: 4, fromB: 1), iteration: 0, from: 1)
        _ = try l.stats(Stats(a: agg([(1, 0.1)]), b: agg([(2, 0.2)]), pairs: 6, fromB: 4), iteration: 0, from: 2)
        _ = try l.stats(Stats(pairs: 100, fromB: 100), iteration: 0, from: 3)
        let d = decisions(try l.stats(Stats(pairs: 100, fromB: 100), iteration: 0, from: 4))
        XCTAssertNil(d[0]?.teacher)
        XCTAssertEqual(l.history.recent.last?.ratioB, 0.5)
        XCTAssertNil(l.history.recent.last?.teacher)
    }

    func testHistoryRoundTripsThroughCheckpointState() {
        var h = TeacherHistory(checkpointExtra: ["teacher_b_sum": "2.5", "decided": "5"])
        XCTAssertEqual(h.meanRatioB, 0.5)
        XCTAssertEqual(TeacherHistory(checkpointExtra: h.checkpointExtra), h)
        h = TeacherHistory(checkpointExtra: [:])
        XCTAssertNil(h.meanRatioB)
    }
}
