// The coordinator's bookkeeping (DESIGN.md §1–§2) as a pure state machine: statistics, reports,
// saves and evaluation results go in; decisions, iteration records, evaluation lines and
// checkpoint commits come out, each exactly once and in iteration order. No sockets, files or
// clocks (the caller passes the arrival time). The single-process Trainer and the socket
// coordinator both drive this one type, so they decide, schedule and record identically.
//
// Per iteration t:  stats from every replica → decision(t) (the rule on the global batch, and
// the schedule's flags) → reports from every replica → record(t) → then, if the decision asked,
// saved(t) from each trained network's first replica → checkpoint, and evaluated(t) → eval lines.
// A message for an iteration the ledger is not waiting on (stale, duplicate, early, from a rank
// that has no say) is refused with a `LedgerRejection`; the caller counts it.
import Config
import Distillation
import Foundation

public struct LedgerRejection: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

public enum LedgerEvent: Equatable {
    /// Iteration t is decided: tell every replica.
    case decision(Int, Decision)
    /// Every replica reported iteration t: its metrics line.
    case record(IterationRecord)
    /// A network's evaluation after iteration t (after t's record).
    case evaluation(Int, EvalResult)
    /// Every trained network's files for the checkpoint after `iteration` iterations are written:
    /// commit it with the rule's history up to there.
    case checkpoint(iteration: Int, saved: [NetworkID: Saved], history: TeacherHistory)
}

/// The rule's decisions so far (status, and checkpoint state so a resumed run continues the ratio).
public struct TeacherHistory: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var iteration: Int
        /// nil: labels mixed per object.
        public var teacher: Teacher?
        public var ratioB: Double
    }
    public private(set) var decided = 0
    public private(set) var sumRatioB = 0.0
    /// The last 20 decisions.
    public private(set) var recent: [Entry] = []

    public init() {}

    /// From a checkpoint's state extra ("teacher_b_sum", "decided").
    public init(checkpointExtra extra: [String: String]) {
        decided = extra["decided"].flatMap(Int.init) ?? 0
        sumRatioB = extra["teacher_b_sum"].flatMap(Double.init) ?? 0
    }

    public var checkpointExtra: [String: String] { ["teacher_b_sum": String(sumRatioB), "decided": String(decided)] }
    public var meanRatioB: Double? { decided > 0 ? sumRatioB / Double(decided) : nil }

    mutating func add(_ iteration: Int, _ d: DecisionRecord) {
        decided += 1; sumRatioB += d.teacherBRatio
        recent.append(Entry(iteration: iteration, teacher: d.teacher, ratioB: d.teacherBRatio))
        if recent.count > 20 { recent.removeFirst() }
    }
}

public struct Ledger {
    public let plan: ModePlan
    public let topology: JobTopology
    public private(set) var schedule: Schedule
    public let start: Int
    /// The next iteration to decide.
    public private(set) var next: Int
    /// The last iteration whose record is out (start − 1 before the first).
    public private(set) var written: Int
    public private(set) var history: TeacherHistory
    /// Data epoch of the latest report.
    public private(set) var latestEpoch = 0
    let evaluated: [NetworkID]
    var stats: [Int: [Int: Stats]] = [:]
    var firstStats: [Int: Date] = [:]
    var reports: [Int: [Int: Report]] = [:]
    var decisionRecords: [Int: DecisionRecord] = [:]
    var awaitingSaves: [Int: Set<NetworkID>] = [:]
    var saved: [Int: [NetworkID: Saved]] = [:]
    var awaitingEvals: [Int: Set<NetworkID>] = [:]
    var pendingEvals: [Int: [EvalResult]] = [:]
    var stopRequested = false, checkpointRequested = false

    public init(config: TrainingConfig, plan: ModePlan, topology: JobTopology, start: Int, stopAfter: Int?,
                history: TeacherHistory = TeacherHistory()) {
        self.plan = plan; self.topology = topology; self.start = start; self.history = history
        schedule = Schedule(config.train, start: start, stopAfter: stopAfter)
        next = start; written = start - 1
        evaluated = config.eval.network.ids.filter(plan.networks.contains)
    }

    public var end: Int { schedule.end }
    /// Every iteration of the launch is decided and recorded, every save and evaluation is in.
    public var complete: Bool { next >= end && written >= end - 1 && awaitingSaves.isEmpty && awaitingEvals.isEmpty }
    /// A decided checkpoint is not committed yet.
    public var checkpointing: Bool { !awaitingSaves.isEmpty }

    // MARK: Inputs

    /// A replica's message about iteration `t` (failure and bye are the transport's business,
    /// spans the journal's).
    public mutating func receive(_ message: WorkerMessage, iteration t: Int, from rank: Int, at now: Date = Date()) throws -> [LedgerEvent] {
        switch message {
        case .stats(let s): return try stats(s, iteration: t, from: rank, at: now)
        case .report(let r): return try report(r, iteration: t, from: rank)
        case .saved(let s): return try saved(s, iteration: t, from: rank)
        case .evaluated(let e): return try evaluated(e, iteration: t, from: rank)
        case .failure, .bye, .spans: return []
        }
    }

    public mutating func stats(_ s: Stats, iteration t: Int, from rank: Int, at now: Date = Date()) throws -> [LedgerEvent] {
        try requireWorker(rank)
        guard t >= next, t < end else { throw LedgerRejection("stats for iteration \(t) from rank \(rank): expected \(next)..<\(end)") }
        guard stats[t]?[rank] == nil else { throw LedgerRejection("duplicate stats for iteration \(t) from rank \(rank)") }
        if stats[t] == nil { firstStats[t] = now }
        stats[t, default: [:]][rank] = s
        return decideReady()
    }

    public mutating func report(_ r: Report, iteration t: Int, from rank: Int) throws -> [LedgerEvent] {
        try requireWorker(rank)
        guard t < next, t > written else { throw LedgerRejection("report for iteration \(t) from rank \(rank): not awaited (decided < \(next), written ≤ \(written))") }
        guard reports[t]?[rank] == nil else { throw LedgerRejection("duplicate report for iteration \(t) from rank \(rank)") }
        reports[t, default: [:]][rank] = r
        latestEpoch = max(latestEpoch, r.epoch)
        return recordReady()
    }

    public mutating func saved(_ s: Saved, iteration t: Int, from rank: Int) throws -> [LedgerEvent] {
        try requireFirstReplica(of: s.network, rank)
        guard awaitingSaves[t]?.remove(s.network) != nil else {
            throw LedgerRejection("saved for iteration \(t) by network \(s.network.rawValue): no checkpoint awaited from it")
        }
        saved[t, default: [:]][s.network] = s
        guard awaitingSaves[t]!.isEmpty else { return [] }
        awaitingSaves[t] = nil
        return [.checkpoint(iteration: t + 1, saved: saved.removeValue(forKey: t)!, history: history)]
    }

    public mutating func evaluated(_ e: EvalResult, iteration t: Int, from rank: Int) throws -> [LedgerEvent] {
        try requireFirstReplica(of: e.network, rank)
        guard awaitingEvals[t]?.remove(e.network) != nil else {
            throw LedgerRejection("evaluation after iteration \(t) of network \(e.network.rawValue): none awaited")
        }
        pendingEvals[t, default: []].append(e)
        return t <= written ? evaluationsReady(t) : []
    }

    /// Control: checkpoint and stop after the next decided iteration.
    public mutating func requestStop() { stopRequested = true }
    /// Control: checkpoint after the next decided iteration.
    public mutating func requestCheckpoint() { checkpointRequested = true }

    // MARK: Waiting

    /// The ranks whose statistics for `next` are missing while others' arrived, and since when.
    public func awaitingStats() -> (iteration: Int, since: Date, missing: [Int])? {
        guard let since = firstStats[next] else { return nil }
        let got = stats[next] ?? [:]
        return (next, since, topology.workerRanks.filter { got[$0] == nil })
    }

    /// The ranks whose report for the next record is missing while others' arrived.
    public func awaitingReports() -> (iteration: Int, missing: [Int])? {
        guard let got = reports[written + 1] else { return nil }
        return (written + 1, topology.workerRanks.filter { got[$0] == nil })
    }

    // MARK: Outputs

    func requireWorker(_ rank: Int) throws {
        guard topology.workerRanks.contains(rank) else { throw LedgerRejection("rank \(rank) is not a replica of this job") }
    }

    /// Saves and evaluations come from the network's first replica, and from no one else.
    func requireFirstReplica(of network: NetworkID, _ rank: Int) throws {
        guard topology.networks.contains(network), topology.rank(of: network, groupRank: 0) == rank else {
            throw LedgerRejection("rank \(rank) does not save or evaluate network \(network.rawValue)")
        }
    }

    mutating func decideReady() -> [LedgerEvent] {
        var events: [LedgerEvent] = []
        while next < end, let s = stats[next], s.count == topology.workerRanks.count {
            let (teacher, record) = decide(s)
            let done = next + 1
            let flags = schedule.after(done: done, stop: stopRequested, checkpointNow: checkpointRequested)
            if stopRequested { schedule.end = done }
            checkpointRequested = false
            if let record { history.add(next, record); decisionRecords[next] = record }
            if flags.checkpoint { awaitingSaves[next] = Set(plan.trainedNetworks) }
            if flags.evaluate, !evaluated.isEmpty { awaitingEvals[next] = Set(evaluated) }
            events.append(.decision(next, Decision(teacher: teacher, evaluate: flags.evaluate, checkpoint: flags.checkpoint, last: flags.last)))
            stats[next] = nil; firstStats[next] = nil
            next += 1
        }
        return events
    }

    /// The rule on the global batch's statistics, merged in rank order (SPEC §9 in sum form).
    func decide(_ s: [Int: Stats]) -> (Teacher?, DecisionRecord?) {
        var a = AggregateStats(), b = AggregateStats()
        switch plan.labels {
        case .none, .network:
            return (nil, nil)
        case .decidedPerIteration:
            for r in topology.ranks(of: .a) { if let x = s[r]?.a { a.merge(x) } }
            for r in topology.ranks(of: .b) { if let x = s[r]?.b { b.merge(x) } }
            let teacher = plan.rule.decide(a: a, b: b)
            return (teacher, DecisionRecord(a: a, b: b, teacher: teacher, teacherBRatio: teacher == .b ? 1 : 0))
        case .mergedPerObject:
            var pairs = 0, fromB = 0
            for r in topology.ranks(of: .a) {
                guard let x = s[r] else { continue }
                if let xa = x.a { a.merge(xa) }
                if let xb = x.b { b.merge(xb) }
                pairs += x.pairs; fromB += x.fromB
            }
            return (nil, DecisionRecord(a: a, b: b, teacher: nil, teacherBRatio: pairs > 0 ? Double(fromB) / Double(pairs) : 0))
        }
    }

    /// Iteration t's evaluation lines once its record is out and every evaluation arrived, in
    /// network order (whichever replica finished first).
    mutating func evaluationsReady(_ t: Int) -> [LedgerEvent] {
        guard awaitingEvals[t]?.isEmpty ?? true, let evals = pendingEvals.removeValue(forKey: t) else { return [] }
        awaitingEvals[t] = nil
        return evals.sorted { $0.network.rawValue < $1.network.rawValue }.map { .evaluation(t, $0) }
    }

    mutating func recordReady() -> [LedgerEvent] {
        var events: [LedgerEvent] = []
        while let reps = reports[written + 1], reps.count == topology.workerRanks.count {
            let t = written + 1
            var rec = IterationRecord(iteration: t)
            rec.decision = decisionRecords.removeValue(forKey: t)
            for id in plan.trainedNetworks {
                var n = NetworkRecord()
                for rank in topology.ranks(of: id) { if let share = reps[rank]?.record { n.add(share) } }
                rec.networks[id] = n
            }
            // The iteration waits for the slowest rank in each phase.
            for r in reps.values { for (k, v) in r.times where k != "total" { rec.times[k] = max(rec.times[k] ?? 0, v) } }
            rec.residentMB = reps.values.map(\.residentMB).max() ?? 0
            rec.images = topology.ranks(of: topology.networks[0]).compactMap { reps[$0]?.images }.reduce(0, +)
            reports[t] = nil
            written = t
            events.append(.record(rec))
            events += evaluationsReady(t)
        }
        return events
    }
}
