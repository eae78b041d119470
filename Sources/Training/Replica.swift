// One data-parallel replica of network A or B (DESIGN.md §1–§2), executing the mode plan one
// phase at a time. The single-process Trainer runs its two replicas' phases in turn through
// in-process links; a distributed worker runs one replica's phases back to back through
// sockets. Either way the same code decides what is computed, sent and learned.
//
// Phases of iteration t. A phase receives only what an earlier phase sent, so running the
// replicas of one process phase by phase never waits on a message:
//   prepare   data → forward → pre-assignment → own anchor costs; per-object rule: costs → peer
//   exchange  per-object rule: peer's costs → merged assignment; statistics → coordinator
//   teach     decision ← coordinator; the assigning side finalizes the PAA assignment and sends
//             it to its peer, the soft-label teacher sends its predictions
//   learn     labels / predictions ← peer; losses → backward → group all-reduce → step; report
//   save      if the decision says so, the group's first replica writes its network → saved
//   evaluate  if the decision says so, the group's first replica evaluates its network
import Config
import Datasets
import Detection
import Engine
import Foundation
import Models
import PAA

public final class Replica {
    public enum Phase: CaseIterable, Sendable { case prepare, exchange, teach, learn, save, evaluate }

    /// Where this replica sits in the job.
    public struct Placement: Equatable, Sendable {
        public var network: NetworkID
        /// Index inside the network's group (0 = the one that checkpoints and evaluates).
        public var groupRank: Int
        /// World rank (in-process: the index in the topology without a coordinator rank).
        public var rank: Int
        public init(network: NetworkID, groupRank: Int, rank: Int) { self.network = network; self.groupRank = groupRank; self.rank = rank }
    }

    public let placement: Placement
    public let plan: ModePlan
    public let role: ModePlan.Role
    public let network: NetworkWorker
    let config: TrainingConfig
    /// The anchors of each input canvas (one for square inputs; keep-ratio batches vary).
    let layouts: AnchorLayoutCache
    let feed: DataFeed
    let evaluator: SharedEvaluator
    let coordinator: CoordinatorLink
    let pair: PairLink?
    let group: GroupReducer?
    let checkpointRoot: URL
    /// Span times (monitor.trace): this process's clock shifted to the coordinator's.
    let clock: SpanClock
    /// The phases run back to back (`runIteration`), so an iteration span means something.
    var backToBack = false

    /// The next iteration to run, and the end of the launch.
    public private(set) var iteration = 0
    public private(set) var end: Int
    /// Where the next batch comes from.
    public private(set) var position = SamplerPosition()
    /// The launch's last iteration is done.
    public private(set) var finished = false
    /// The labels this replica learned from (or assigned) in its last iteration; nil: none.
    public private(set) var lastAssignments: [Assignment]?
    var inFlight: InFlight?

    public init(config: TrainingConfig, plan: ModePlan, placement: Placement, feed: DataFeed, evaluator: SharedEvaluator,
                coordinator: CoordinatorLink, pair: PairLink?, group: GroupReducer?, workDir: URL, clock: SpanClock = SpanClock()) throws {
        self.config = config; self.plan = plan; self.placement = placement; self.feed = feed; self.evaluator = evaluator
        self.coordinator = coordinator; self.pair = pair; self.group = group; self.clock = clock
        role = plan.role(placement.network)
        precondition(pair != nil || plan.peer(of: placement.network) == nil, "Replica: a two-network mode needs a pair link")
        layouts = AnchorLayoutCache(config)
        network = try NetworkWorker(id: placement.network, config: config.network(placement.network)!,
                                    numClasses: feed.dataset.classNames.count, seed: config.seed,
                                    stream: config.initialisationStream(placement.network), train: config.train, frozen: !role.trained)
        checkpointRoot = workDir.appendingPathComponent("checkpoints")
        end = config.train.iterations
    }

    var me: NetworkID { placement.network }
    var name: String { "\(me.rawValue) (rank \(placement.rank))" }

    // MARK: Start and end

    /// Says hello, waits for the job's welcome, and restores the checkpoint it names.
    public func join(host: String, pid: Int, inbox: String) throws {
        let welcome = try coordinator.join(Hello(network: me, groupRank: placement.groupRank, host: host, pid: pid, inbox: inbox))
        if let dir = welcome.resumeFrom { try restore(URL(fileURLWithPath: dir)) }
        iteration = welcome.startIteration
        end = welcome.endIteration
        finished = iteration >= end
    }

    func restore(_ dir: URL) throws {
        let state = try Checkpoint.readState(dir)
        if role.trained {
            try Checkpoint.readNetwork(me.rawValue, from: dir, into: network.network.store, optimizer: network.optimizer,
                                       steps: state.optimizerSteps[me.rawValue] ?? 0)
        }
        position = SamplerPosition(epoch: state.epoch, iteration: state.iterationInEpoch)
    }

    public func leave() throws {
        coordinator.setPhase(.finished, iteration: iteration)
        try coordinator.send(.bye, iteration: iteration)
    }

    /// Tells the coordinator why this replica stops (best effort), so it can name it for the job.
    public func reportFailure(_ error: Error) {
        try? coordinator.send(.failure("\(error)"), iteration: iteration)
    }

    // MARK: Phases

    /// Every phase of the next iteration, back to back.
    public func runIteration() throws {
        backToBack = true
        for phase in Phase.allCases { try run(phase) }
    }

    public func run(_ phase: Phase) throws {
        switch phase {
        case .prepare: try prepare()
        case .exchange: try exchange()
        case .teach: try teach()
        case .learn: try learn()
        case .save: try save()
        case .evaluate: try evaluate()
        }
    }

    func prepare() throws {
        precondition(!finished && inFlight == nil, "Replica \(name): prepare after the end or mid-iteration")
        let t = iteration
        coordinator.setPhase(.training, iteration: t)
        pair?.drain(before: t)
        var f = InFlight(t, clock: config.monitor.trace ? clock : nil)
        let batch = try feed.batch(at: position)
        position = feed.sampler.position(after: position)
        let layout = layouts.layout(height: batch.height, width: batch.width)
        f.step = AssignmentStep(layout: layout, assigner: PAAAssigner(layout: layout))
        f.targets = BatchTargets(batch, layout: layout)
        f.images = batch.count
        f.lap("data")
        network.forward(Tensor(shape: batch.inputShape, data: batch.images))
        f.lap("forward")
        f.pre = f.step.preassign(f.targets)
        if role.computesCosts { f.costs = network.costs(f.pre, assigner: f.step.assigner, layout: layout) }
        f.lap("assign")
        if plan.labels == .mergedPerObject {
            try pair!.send(.costs(f.costs), iteration: t)
            f.lap("pair", span: "pair_send")
        }
        inFlight = f
    }

    func exchange() throws {
        var f = resume()
        var stats = Stats()
        switch plan.labels {
        case .mergedPerObject:
            let theirs = try pair!.costs(f.t, matching: f.pre, from: name)
            f.lap("pair", span: "pair_receive")
            let (a, b) = me == .a ? (f.costs, theirs) : (theirs, f.costs)
            (f.assignments, stats) = f.step.mergePerObject(f.pre, costsA: a, costsB: b, rule: plan.rule)
        case .decidedPerIteration:
            let own = f.step.aggregate(f.pre, costs: f.costs)
            if me == .a { stats.a = own } else { stats.b = own }
        case .none, .network:
            break
        }
        f.lap("assign")
        try coordinator.send(.stats(stats), iteration: f.t)
        inFlight = f
    }

    func teach() throws {
        var f = resume()
        let decision = try coordinator.decision(for: f.t)
        f.decision = decision
        f.lap("coordinator_wait")
        if plan.assigner(decided: decision.teacher) == me {
            f.assignments = f.step.finalize(f.pre, costs: f.costs)
            f.lap("assign")
            if let peer = plan.peer(of: me), plan.role(peer).hardLosses { try pair!.send(.assignment(f.assignments!), iteration: f.t) }
        }
        if role.sendsPredictions { try pair!.send(.predictions(network.outputs!), iteration: f.t) }
        f.lap("pair", span: "pair_send")
        inFlight = f
    }

    func learn() throws {
        var f = resume()
        if role.hardLosses, f.assignments == nil { f.assignments = try pair!.assignments(f.t, matching: f.targets, from: name) }
        let teacher = role.softLosses ? try pair!.predictions(f.t, matching: network.outputs!, from: name) : nil
        f.lap("pair", span: "pair_receive")
        var report = Report(network: me, record: nil)
        if role.trained {
            let reducer = (group?.size ?? 1) > 1 ? group : nil
            let losses = LossStep(config: config, layout: f.step.layout)
            var (record, parts) = try losses.run(network, labels: role.hardLosses ? f.assignments : nil, teacher: teacher,
                                                 targets: f.targets, group: reducer)
            try LossStep.requireFinite(parts, iteration: f.t, network: name, checkpoints: checkpointRoot.path)
            f.lap("loss_backward")
            if let reducer {
                let store = network.network.store
                try reducer.sum(UnsafeMutableBufferPointer(start: store.grads, count: store.count))
                f.lap("allreduce")
            }
            record.lr = network.step(iteration: f.t)
            f.lap("step")
            report.record = record
        }
        network.finishIteration()
        lastAssignments = f.assignments
        report.images = f.images
        report.epoch = position.epoch
        report.times = f.times
        report.times["total"] = f.times.values.reduce(0, +)
        report.rejected = coordinator.rejected.merging(pair?.rejected ?? [:], uniquingKeysWith: +)
        report.residentMB = ProcessMemory.residentBytes().map { Double($0) / 1_048_576 } ?? 0
        try coordinator.send(.report(report), iteration: f.t)
        f.lap("report")   // a span only: the report already holds the phase times
        inFlight = f
    }

    func save() throws {
        var f = resume()
        defer { inFlight = f }
        guard f.decision!.checkpoint, placement.groupRank == 0, role.trained else { return }
        coordinator.setPhase(.checkpointing, iteration: f.t)
        let dir = checkpointRoot.appendingPathComponent(Checkpoint.directoryName(f.t + 1))
        try Checkpoint.writeNetwork(me.rawValue, store: network.network.store, optimizer: network.optimizer, to: dir)
        try coordinator.send(.saved(Saved(network: me, optimizerSteps: network.optimizer?.steps ?? 0,
                                          epoch: position.epoch, iterationInEpoch: position.iteration)), iteration: f.t)
        f.lap("checkpoint")
    }

    func evaluate() throws {
        var f = resume()
        if f.decision!.evaluate, placement.groupRank == 0, config.eval.network.ids.contains(me) {
            coordinator.setPhase(.evaluating, iteration: f.t)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let (m, _) = try evaluator.get().evaluate(network.network)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            try coordinator.send(.evaluated(EvalResult(network: me, metrics: m.mmdetDictionary(), seconds: seconds)), iteration: f.t)
            f.lap("evaluation")
        }
        if var spans = f.spans, let clock = f.clock {
            if backToBack { spans.append(Span(name: "iteration", start: clock.seconds(at: f.started), seconds: f.elapsed, iteration: f.t)) }
            try coordinator.send(.spans(spans), iteration: f.t)
        }
        inFlight = nil
        iteration = f.t + 1
        finished = f.decision!.last || iteration >= end
    }

    /// The iteration in flight. Phases run in turn with another replica's (single process):
    /// the phase clock restarts, the time between phases belongs to the other. Back to back
    /// (distributed): it runs on, so the next phase's first lap includes the end of the last
    /// one (e.g. sending the statistics counts to coordinator_wait) and the laps cover the step.
    func resume() -> InFlight {
        guard var f = inFlight else { preconditionFailure("Replica \(name): a phase before prepare") }
        if !backToBack { f.mark = DispatchTime.now().uptimeNanoseconds }
        return f
    }
}

/// What a replica holds between the phases of one iteration.
struct InFlight {
    let t: Int
    var images = 0
    /// The assignment of this iteration's canvas.
    var step: AssignmentStep!
    var targets: BatchTargets!
    var pre: [Preassignment] = []
    var costs: [[Float]] = []
    var assignments: [Assignment]?
    var decision: Decision?
    /// Seconds per phase name.
    var times: [String: Double] = [:]
    let started = DispatchTime.now().uptimeNanoseconds
    var mark = DispatchTime.now().uptimeNanoseconds
    /// With a clock (monitor.trace), each lap is also a span.
    let clock: SpanClock?
    var spans: [Span]?

    init(_ t: Int, clock: SpanClock? = nil) { self.t = t; self.clock = clock; spans = clock == nil ? nil : [] }

    /// Books the time since the last mark to phase `name` (and to span `span`, default `name`).
    mutating func lap(_ name: String, span: String? = nil) {
        let n = DispatchTime.now().uptimeNanoseconds
        times[name, default: 0] += Double(n - mark) / 1e9
        if let clock, n - mark >= 1000 { spans!.append(Span(name: span ?? name, start: clock.seconds(at: mark), seconds: Double(n - mark) / 1e9, iteration: t)) }
        mark = n
    }

    /// Seconds since the iteration started.
    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
}

/// The validation evaluator, built on first use (it renders the whole val split once); the
/// replicas of one process share it.
public final class SharedEvaluator {
    let config: TrainingConfig
    private var cached: Evaluator?
    public init(config: TrainingConfig) { self.config = config }

    public func get() throws -> Evaluator {
        if let e = cached { return e }
        let e = try Evaluator(dataset: openDataset(config.data, split: .val), config: config, layouts: AnchorLayoutCache(config))
        cached = e
        return e
    }
}
