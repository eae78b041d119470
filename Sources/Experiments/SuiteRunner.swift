// Runs the suite's trainings one after another (one run uses all cores), each into its own
// work dir with a `result.json` written last. A run whose result exists is reused, and an
// interrupted run resumes from its latest checkpoint, so re-running the command continues.
import Config
import Engine
import Foundation
import Training

/// What one finished run measured for one evaluated network (its last evaluation).
public struct StudentResult: Codable, Equatable, Sendable {
    public var network: String
    public var map: Double
    public var ap50: Double
    public var ap75: Double
    /// AP of small, medium and large objects (pycocotools' −1, no such objects, as nil).
    public var apSmall: Double?
    public var apMedium: Double?
    public var apLarge: Double?
    /// (iterations completed, val mAP) at every evaluation.
    public var curve: [[Double]]
    /// CoLAD: the share of label sets this network assigned, mean over iterations; nil otherwise.
    public var labelShare: Double?

    public init(network: String, map: Double, ap50: Double, ap75: Double, apSmall: Double? = nil, apMedium: Double? = nil,
                apLarge: Double? = nil, curve: [[Double]], labelShare: Double? = nil) {
        self.network = network; self.map = map; self.ap50 = ap50; self.ap75 = ap75
        self.apSmall = apSmall; self.apMedium = apMedium; self.apLarge = apLarge; self.curve = curve; self.labelShare = labelShare
    }

    /// The table's metrics by mmdetection name.
    public func metric(_ name: String) -> Double? {
        switch name {
        case "bbox_mAP": return map
        case "bbox_mAP_50": return ap50
        case "bbox_mAP_75": return ap75
        case "bbox_mAP_s": return apSmall
        case "bbox_mAP_m": return apMedium
        case "bbox_mAP_l": return apLarge
        default: return nil
        }
    }
}

public struct RunResult: Codable, Equatable, Sendable {
    public var id: String
    public var key: String
    public var kind: SuiteRun.Kind
    public var seed: Int
    public var method: String
    public var teacher: String
    public var iterations: Int
    public var wallSeconds: Double
    /// Preset of the evaluated network → its result.
    public var students: [String: StudentResult]
}

/// Trains one run to its end, blocking: the run, the threads it may use and a line logger.
/// `SuiteRunner.childProcess` (the CLI: `colad train` in a child process) or a test's own.
public typealias RunTraining = @Sendable (SuiteRun, Int, @escaping @Sendable (String) -> Void) throws -> Void

public struct SuiteRunner: Sendable {
    /// Runs trained at the same time. Numbers do not depend on it: a run's numerics are the same
    /// at any thread count (summation order is fixed per tensor, not per thread).
    public var jobs: Int
    /// Cores shared by the runs: a run started while k runs can run gets max(1, cores / k) threads.
    public var cores: Int
    public let log: @Sendable (String) -> Void
    let train: RunTraining

    public init(jobs: Int = 1, cores: Int, train: @escaping RunTraining, log: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.jobs = max(1, jobs); self.cores = max(1, cores); self.train = train; self.log = log
    }

    static func resultURL(_ run: SuiteRun) -> URL { run.workDir.appendingPathComponent("result.json") }

    /// The run's recorded result, nil when it has not finished.
    public static func finishedResult(_ run: SuiteRun) -> RunResult? { try? SuiteJSON.read(RunResult.self, from: resultURL(run)) }

    /// Whether a run directory holds weights a student can load (`checkpoints/latest`).
    static func hasWeights(_ run: SuiteRun) -> Bool {
        ((try? Checkpoint.latest(in: run.workDir.appendingPathComponent("checkpoints"))) ?? nil) != nil
    }

    /// What must be trained: every run without a result, and a finished run whose weights a
    /// pending run loads but which are gone (a fresh clone of a committed experiment keeps
    /// results, not checkpoints); such a run is retrained and must reproduce its result.
    static func toTrain(_ plan: [SuiteRun], finished: [String: RunResult], hasWeights: (SuiteRun) -> Bool) -> Set<String> {
        var pending = Set(plan.filter { finished[$0.id] == nil }.map(\.id))
        let needed = Set(plan.filter { pending.contains($0.id) }.flatMap(\.dependsOn))
        for run in plan where needed.contains(run.id) && finished[run.id] != nil && !hasWeights(run) { pending.insert(run.id) }
        return pending
    }

    /// Trains (or reuses) every run, up to `jobs` at a time, a run only after the runs it
    /// depends on; of the runs that can start, teachers go first, then their students, then the
    /// baselines. Returns the results in plan order. A failed run does not stop the others
    /// (except those that depend on it); the error at the end names every failure and its log.
    public func run(_ plan: [SuiteRun]) throws -> [RunResult] {
        let start = Date()
        let ids = Set(plan.map(\.id))
        for run in plan { for d in run.dependsOn where !ids.contains(d) {
            throw TrainingError("suite run \(run.id) depends on \(d), which is not in the plan", hint: "a bug in the suite's plan")
        } }
        var finished: [String: RunResult] = [:]
        for run in plan { if let r = SuiteRunner.finishedResult(run) { finished[run.id] = r } }
        let pending = SuiteRunner.toTrain(plan, finished: finished, hasWeights: SuiteRunner.hasWeights)
        for (i, run) in plan.enumerated() where !pending.contains(run.id) {
            log("[\(i + 1)/\(plan.count)] \(run.id): reusing \(SuiteRunner.resultURL(run).path)")
        }
        let state = SchedulerState(waiting: plan.enumerated().filter { pending.contains($0.element.id) }.map { $0.offset }, finished: finished)
        let teachers = Set(plan.flatMap(\.dependsOn))
        let group = DispatchGroup()
        state.cond.lock()
        while true {
            // Teachers first (they hold the others up), then the runs that load their weights,
            // then the baselines, then the rest, each in plan order: a teacher's checkpoint is
            // needed for as short a time as possible (a fresh clone of a committed experiment
            // retrains a teacher while any of its students is unfinished), and every paired row
            // needs its seed's baseline, so an interim report (--report-only) pairs the most rows.
            func rank(_ i: Int) -> Int {
                teachers.contains(plan[i].id) ? 0 : !plan[i].dependsOn.isEmpty ? 1 : plan[i].config.mode == .baseline ? 2 : 3
            }
            let ready = state.waiting
                .filter { i in plan[i].dependsOn.allSatisfy { state.done.contains($0) || (state.finished[$0] != nil && !pending.contains($0)) } }
                .sorted { (rank($0), $0) < (rank($1), $1) }
            let blocked = state.waiting.filter { i in plan[i].dependsOn.contains { state.failed[$0] != nil } }
            for i in blocked {
                state.failed[plan[i].id] = "not trained: \(plan[i].dependsOn.filter { state.failed[$0] != nil }.joined(separator: ", ")) failed"
            }
            state.waiting.removeAll { i in blocked.contains(i) }
            if state.waiting.isEmpty && state.running == 0 { break }
            if let i = ready.first, state.running < jobs {
                state.waiting.removeAll { $0 == i }
                state.running += 1
                let threads = max(1, cores / min(jobs, state.running + ready.count - 1))
                let run = plan[i], previous = state.finished[run.id]
                log("[\(i + 1)/\(plan.count)] \(run.id): \(run.method), teacher \(run.teacher), \(run.config.train.iterations) iterations, "
                    + "\(threads) thread(s)\(previous == nil ? "" : ", retrained for its weights") (suite elapsed \(Int(Date().timeIntervalSince(start))) s)")
                group.enter()
                Thread { [self] in
                    let outcome = Result { try self.trainOne(run, threads: threads, previous: previous) }
                    state.cond.lock()
                    state.running -= 1
                    switch outcome {
                    case .success(let r):
                        state.finished[run.id] = r; state.done.insert(run.id)
                        self.log("[\(i + 1)/\(plan.count)] \(run.id) done in \(Int(r.wallSeconds)) s: "
                            + r.students.sorted { $0.key < $1.key }.map { String(format: "%@ mAP %.4f", $0.key, $0.value.map) }.joined(separator: ", "))
                    case .failure(let e):
                        state.failed[run.id] = "\(e)"
                        self.log("[\(i + 1)/\(plan.count)] \(run.id) FAILED: \(e)")
                    }
                    state.cond.signal()
                    state.cond.unlock()
                    group.leave()
                }.start()
                continue
            }
            state.cond.wait()
        }
        state.cond.unlock()
        group.wait()
        if !state.failed.isEmpty {
            let lines = plan.compactMap { run in state.failed[run.id].map { "  \(run.id): \($0)" } }
            throw TrainingError("\(state.failed.count) of \(plan.count) suite runs did not finish:\n" + lines.joined(separator: "\n"),
                                hint: "fix the cause and run the same command again: finished runs are reused, interrupted ones resume")
        }
        return plan.map { state.finished[$0.id]! }
    }

    /// Trains one run and writes its result.json; a run retrained for its weights must
    /// reproduce the recorded mAP exactly (the runs that already used them are kept).
    func trainOne(_ run: SuiteRun, threads: Int, previous: RunResult?) throws -> RunResult {
        let t0 = Date()
        try train(run, threads, { [log] in log("  \(run.id): \($0)") })
        // From metrics.jsonl, so a run that had finished training before an interruption
        // (resumed at its end, nothing left to evaluate) still reports its final evaluation.
        let m = try SuiteRunner.read(run.workDir.appendingPathComponent("metrics.jsonl"))
        var students: [String: StudentResult] = [:]
        for (id, preset) in run.students {
            guard let e = m.final[id.rawValue], let map = e["bbox_mAP"] else {
                throw TrainingError("\(run.id): network \(id.rawValue) was not evaluated", hint: "check eval.network of the run")
            }
            func ap(_ k: String) -> Double? { e[k].flatMap { $0 < 0 ? nil : $0 } }
            let share = m.labelShareB.map { id == .b ? $0 : 1 - $0 }
            students[preset] = StudentResult(network: id.rawValue, map: map, ap50: e["bbox_mAP_50"] ?? .nan, ap75: e["bbox_mAP_75"] ?? .nan,
                                             apSmall: ap("bbox_mAP_s"), apMedium: ap("bbox_mAP_m"), apLarge: ap("bbox_mAP_l"),
                                             curve: m.curves[id.rawValue] ?? [], labelShare: run.config.mode == .colad ? share : nil)
        }
        if let previous {
            let was = previous.students.mapValues(\.map), now = students.mapValues(\.map)
            guard was == now else {
                throw TrainingError("\(run.id) was retrained for its weights and reached mAP \(now), not the recorded \(was): the runs "
                                    + "that loaded the earlier weights would not match the new ones",
                                    hint: "on this machine's kernels the run trains differently; delete the result.json of \(run.id) and of "
                                    + "every run that names it as teacher, then run the command again")
            }
            log("  \(run.id): retrained, reproduced the recorded mAP exactly")
            return previous
        }
        let r = RunResult(id: run.id, key: run.key, kind: run.kind, seed: run.seed, method: run.method, teacher: run.teacher,
                          iterations: run.config.train.iterations, wallSeconds: Date().timeIntervalSince(t0), students: students)
        try SuiteJSON.write(r, to: SuiteRunner.resultURL(run))
        return r
    }

    /// What the suite reads from a run's metrics.jsonl.
    struct Metrics {
        /// Network → [(iterations completed, bbox_mAP)] at every evaluation.
        var curves: [String: [[Double]]] = [:]
        /// Network → the metrics of its last evaluation.
        var final: [String: [String: Double]] = [:]
        /// Mean over iteration lines of `t_ratio` (share of label sets assigned by B); nil
        /// without CoLAD decisions.
        var labelShareB: Double?
    }

    static func read(_ url: URL) throws -> Metrics {
        let text = try String(contentsOf: url, encoding: .utf8)
        var m = Metrics()
        var shares: [Double] = []
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let it = obj["iteration"] as? Int else { continue }
            if let net = obj["eval"] as? String, let map = obj["bbox_mAP"] as? Double {
                m.curves[net, default: []].append([Double(it), map])
                m.final[net] = obj.compactMapValues { $0 as? Double }
            } else if obj["eval"] == nil, let share = obj["t_ratio"] as? Double {
                shares.append(share)
            }
        }
        if !shares.isEmpty { m.labelShareB = shares.reduce(0, +) / Double(shares.count) }
        return m
    }
}

/// The scheduler's shared state, under `cond`, which is signalled when a run ends.
private final class SchedulerState: @unchecked Sendable {
    let cond = NSCondition()
    var waiting: [Int]
    var running = 0
    var finished: [String: RunResult]
    var done: Set<String> = []
    var failed: [String: String] = [:]
    init(waiting: [Int], finished: [String: RunResult]) { self.waiting = waiting; self.finished = finished }
}
