import Config
@testable import Experiments
import Foundation
import Training
import XCTest

/// SuiteRunner's scheduling with a training function that writes a run's metrics.jsonl itself
/// (no network is trained): dependencies, the job limit, threads, failures, and a teacher
/// retrained for its weights. `colad experiment` end to end is Tests/Integration/experiment_smoke.sh.
final class SuiteSchedulingTests: XCTestCase {
    var out: URL!

    override func setUpWithError() throws {
        out = FileManager.default.temporaryDirectory.appendingPathComponent("colad-sched-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: out) }

    func run(_ id: String, kind: SuiteRun.Kind = .comparison, dependsOn: [String] = [], colad: Bool = false) throws -> SuiteRun {
        var r = try PaperSuite.run(id, key: id.replacingOccurrences(of: "/", with: "-"), kind: kind, seed: 0, method: colad ? "CoLAD" : "PAA baseline",
                                   teacher: colad ? "dynamic" : "—", mode: colad ? .colad : .baseline, a: "tiny", b: colad ? "small" : nil,
                                   students: colad ? [.a: "tiny", .b: "small"] : [.a: "tiny"], schedule: SuiteSchedule(iterations: 4), out: out, overrides: [])
        r.dependsOn = dependsOn
        return r
    }

    /// T is a teacher, S1 and S2 load its weights, B is independent.
    func plan() throws -> [SuiteRun] {
        [try run("teachers/T", kind: .teacher), try run("seed0/S1", dependsOn: ["teachers/T"]),
         try run("seed0/S2", dependsOn: ["teachers/T"]), try run("seed0/B")]
    }

    /// Records what ran when; writes an evaluation line (mAP `maps[id]`, default 0.5) and, for
    /// a teacher, a checkpoint pointer so its students see weights.
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var events: [(String, String, Int)] = []   // (id, "start"/"end", threads)
        var active = 0, maxActive = 0
        var maps: [String: Double] = [:]
        var failing: Set<String> = []
        var lines: [String] = []

        func training() -> RunTraining {
            { [self] run, threads, _ in
                lock.lock(); events.append((run.id, "start", threads)); active += 1; maxActive = max(maxActive, active); lock.unlock()
                Thread.sleep(forTimeInterval: 0.05)
                defer { lock.lock(); active -= 1; events.append((run.id, "end", threads)); lock.unlock() }
                if failing.contains(run.id) { throw TrainingError("\(run.id) broke", hint: "test") }
                let map = lock.withLock { maps[run.id] } ?? 0.5
                try FileManager.default.createDirectory(at: run.workDir.appendingPathComponent("checkpoints/iter_0000004"), withIntermediateDirectories: true)
                let lines = ["a", "b"].map { "{\"iteration\":4,\"eval\":\"\($0)\",\"bbox_mAP\":\(map),\"bbox_mAP_50\":0.6,\"bbox_mAP_75\":0.4}\n" }
                try Data(lines.joined().utf8).write(to: run.workDir.appendingPathComponent("metrics.jsonl"))
                if run.kind == .teacher {
                    let manifest = "{\"formatVersion\":\(Checkpoint.formatVersion),\"iteration\":4,\"files\":{},\"created\":\"test\"}"
                    try Data(manifest.utf8).write(to: run.workDir.appendingPathComponent("checkpoints/iter_0000004/manifest.json"))
                    try Data("iter_0000004\n".utf8).write(to: run.workDir.appendingPathComponent("checkpoints/latest"))
                }
            }
        }

        func index(_ id: String, _ what: String) -> Int { events.firstIndex { $0.0 == id && $0.1 == what }! }
        func started(_ id: String) -> Bool { events.contains { $0.0 == id && $0.1 == "start" } }
    }

    func testStudentsWaitForTheirTeacherAndJobsAreLimited() throws {
        let rec = Recorder()
        let plan = try plan()
        let results = try SuiteRunner(jobs: 2, cores: 2, train: rec.training(), log: { _ in }).run(plan)
        XCTAssertEqual(results.map(\.id), plan.map(\.id), "results in plan order")
        for s in ["seed0/S1", "seed0/S2"] { XCTAssertGreaterThan(rec.index(s, "start"), rec.index("teachers/T", "end")) }
        XCTAssertEqual(rec.maxActive, 2, "two jobs at a time, and no more")
        // T and B start together, sharing the 2 cores.
        XCTAssertEqual(rec.events.prefix(2).map(\.0).sorted(), ["seed0/B", "teachers/T"])
        XCTAssertEqual(rec.events.prefix(2).map(\.2), [1, 1])
        // Every run wrote its result; a second call trains nothing.
        let again = Recorder()
        XCTAssertEqual(try SuiteRunner(jobs: 2, cores: 2, train: again.training(), log: { _ in }).run(plan).map(\.students), results.map(\.students))
        XCTAssertTrue(again.events.isEmpty)
    }

    /// One job: one run at a time on every core; teachers go first, then their students, then
    /// baselines, then the other runs, whatever the plan order (here: C, B, S1, T2's student, T2, …).
    func testOneJobRunsTeachersThenStudentsThenBaselinesOnEveryCore() throws {
        let rec = Recorder()
        let p = try plan()
        let t2 = try run("teachers/T2", kind: .teacher), s3 = try run("seed0/S3", dependsOn: ["teachers/T2"])
        let c = try run("seed0/C", colad: true)
        _ = try SuiteRunner(jobs: 1, cores: 4, train: rec.training(), log: { _ in }).run([p[0], c, p[3], p[1], s3, t2, p[2]])
        XCTAssertEqual(rec.maxActive, 1)
        XCTAssertEqual(rec.events.filter { $0.1 == "start" }.map(\.0),
                       ["teachers/T", "teachers/T2", "seed0/S1", "seed0/S3", "seed0/S2", "seed0/B", "seed0/C"])
        XCTAssertEqual(Set(rec.events.map(\.2)), [4])
    }

    /// A failed teacher: its students are not trained, the independent run is, and the error
    /// names all three.
    func testAFailureStopsOnlyItsDependents() throws {
        let rec = Recorder()
        rec.failing = ["teachers/T"]
        XCTAssertThrowsError(try SuiteRunner(jobs: 2, cores: 2, train: rec.training(), log: { _ in }).run(try plan())) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("3 of 4 suite runs did not finish"), text)
            XCTAssertTrue(text.contains("teachers/T: teachers/T broke"), text)
            XCTAssertTrue(text.contains("seed0/S1: not trained: teachers/T failed"), text)
        }
        XCTAssertTrue(rec.started("seed0/B"))
        XCTAssertFalse(rec.started("seed0/S1") || rec.started("seed0/S2"))
        XCTAssertNotNil(try? SuiteJSON.read(RunResult.self, from: SuiteRunner.resultURL(try run("seed0/B"))))
    }

    /// A committed experiment keeps result.json, not checkpoints: a teacher whose students are
    /// pending is trained again and must reproduce its mAP; once they are done it is not.
    func testATeacherWithoutWeightsIsRetrainedOnlyWhileStudentsNeedIt() throws {
        let plan = try plan()
        _ = try SuiteRunner(jobs: 2, cores: 2, train: Recorder().training(), log: { _ in }).run(plan)
        let teacher = plan[0]
        try FileManager.default.removeItem(at: teacher.workDir.appendingPathComponent("checkpoints"))
        XCTAssertFalse(SuiteRunner.hasWeights(teacher))
        // All students finished: nothing to train.
        let idle = Recorder()
        _ = try SuiteRunner(jobs: 2, cores: 2, train: idle.training(), log: { _ in }).run(plan)
        XCTAssertTrue(idle.events.isEmpty)
        // S1 pending: T is retrained first and reproduces its mAP, then S1 trains.
        try FileManager.default.removeItem(at: SuiteRunner.resultURL(plan[1]))
        let rec = Recorder()
        _ = try SuiteRunner(jobs: 2, cores: 2, train: rec.training(), log: { l in rec.lock.withLock { rec.lines.append(l) } }).run(plan)
        XCTAssertEqual(rec.events.filter { $0.1 == "start" }.map(\.0), ["teachers/T", "seed0/S1"])
        XCTAssertTrue(rec.lines.contains { $0.contains("retrained, reproduced the recorded mAP exactly") }, "\(rec.lines)")
        // A retrained teacher that lands elsewhere is an error, and its result stays as recorded.
        try FileManager.default.removeItem(at: teacher.workDir.appendingPathComponent("checkpoints"))
        try FileManager.default.removeItem(at: SuiteRunner.resultURL(plan[1]))
        let other = Recorder()
        other.maps = ["teachers/T": 0.25]
        XCTAssertThrowsError(try SuiteRunner(jobs: 2, cores: 2, train: other.training(), log: { _ in }).run(plan)) { e in
            XCTAssertTrue("\(e)".contains("reached mAP [\"tiny\": 0.25], not the recorded [\"tiny\": 0.5]"), "\(e)")
        }
        XCTAssertFalse(other.started("seed0/S1"))
        XCTAssertEqual(try SuiteJSON.read(RunResult.self, from: SuiteRunner.resultURL(teacher)).students["tiny"]?.map, 0.5)
    }

    func testADependencyOutsideThePlanIsRefused() throws {
        XCTAssertThrowsError(try SuiteRunner(jobs: 1, cores: 1, train: Recorder().training(), log: { _ in })
            .run([try run("seed0/S1", dependsOn: ["teachers/missing"])])) { e in
            XCTAssertTrue("\(e)".contains("depends on teachers/missing, which is not in the plan"), "\(e)")
        }
    }
}
