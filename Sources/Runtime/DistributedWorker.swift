// One worker rank: a data-parallel replica of network A or B (DESIGN.md §2). Per iteration:
// data → forward → pre-assignment → costs/statistics to the coordinator → Decision(t) → the
// teacher side finalizes the PAA assignment and sends it (and, for soft-label modes, its
// predictions) to its pair peer → losses with group-global normalisers → backward → one
// all-reduce of the gradient buffer → optimizer step → report. The training math is the
// single-process reference's (NetworkWorker, AssignmentStep, LossStep).
import Comm
import Config
import Datasets
import Detection
import Distillation
import Engine
import Evaluation
import Foundation
import Models
import PAA
import Training
import Transport

public final class DistributedWorker {
    public struct Settings {
        public var config: TrainingConfig
        public var workDir: URL
        public var topology: JobTopology
        public var rank: Int
        /// This network's group (nil or size 1: no all-reduce).
        public var group: Communicator?
        public var coordinatorEndpoint: String
        /// The pair inbox, already bound; its endpoint was exchanged over MPI.
        public var inbox: ZMQSocket
        /// The inbox's endpoint as peers reach it (told to the coordinator for endpoints.json).
        public var inboxEndpoint: String
        public var peerInbox: String?
        public var log: @Sendable (String) -> Void
        public init(config: TrainingConfig, workDir: URL, topology: JobTopology, rank: Int, group: Communicator?,
                    coordinatorEndpoint: String, inbox: ZMQSocket, inboxEndpoint: String, peerInbox: String?,
                    log: @escaping @Sendable (String) -> Void) {
            self.config = config; self.workDir = workDir; self.topology = topology; self.rank = rank; self.group = group
            self.coordinatorEndpoint = coordinatorEndpoint; self.inbox = inbox; self.inboxEndpoint = inboxEndpoint
            self.peerInbox = peerInbox; self.log = log
        }
    }

    let s: Settings
    let config: TrainingConfig
    let me: NetworkID
    let groupRank: Int
    let peer: Int?
    let worker: NetworkWorker
    let feed: DataFeed
    let layout: AnchorLayout
    let step: AssignmentStep
    let lossStep: LossStep
    let rule: TeacherRule
    let trained: Bool
    let coordinator: ZMQSocket
    let outbox: ZMQSocket?
    let heartbeat = HeartbeatThread()
    let maxPayload: Int
    var jobId: UInt64 = 0
    var rejected = RejectionCounters()
    var peerBuffer: [MessageKind: Frame] = [:]
    var iteration = 0

    public init(_ settings: Settings) throws {
        s = settings
        config = settings.config
        guard case .worker(let net, let gr) = settings.topology.role(of: settings.rank) else {
            preconditionFailure("DistributedWorker on the coordinator rank")
        }
        me = net; groupRank = gr
        peer = settings.topology.peer(of: net, groupRank: gr)
        let train = try openDataset(config.data, split: .train)
        layout = AnchorLayout(config)
        step = AssignmentStep(layout: layout, assigner: PAAAssigner(layout: layout))
        lossStep = LossStep(config: config, layout: layout)
        rule = TeacherRule(config.colad)
        trained = config.trainedNetworks.contains(net)
        worker = try NetworkWorker(id: net, config: config.network(net)!, numClasses: train.classNames.count, seed: config.seed,
                                   train: config.train, frozen: !trained)
        feed = try DataFeed(dataset: train, config: config, groupSize: settings.topology.k, groupRank: gr)
        maxPayload = config.distributed.maxMessageBytes
        var opts = SocketOptions()
        opts.maxMessageBytes = config.distributed.maxMessageBytes + Frame.headerSize
        opts.heartbeatSeconds = config.distributed.heartbeatSeconds
        opts.identity = Array("w\(settings.rank)".utf8)
        coordinator = try ZMQSocket(.dealer, options: opts)
        try coordinator.connect(settings.coordinatorEndpoint)
        if let p = settings.peerInbox {
            opts.identity = Array("p\(settings.rank)".utf8)
            outbox = try ZMQSocket(.dealer, options: opts)
            try outbox!.connect(p)
        } else { outbox = nil }
    }

    // MARK: Messaging

    func frame(_ kind: MessageKind, _ t: Int, _ payload: [UInt8]) -> [UInt8] {
        Frame(type: kind.rawValue, jobId: jobId, iteration: t, sender: s.rank, payload: payload).encoded()
    }

    func toCoordinator(_ kind: MessageKind, _ t: Int, _ payload: [UInt8]) throws {
        do { try coordinator.send([frame(kind, t, payload)]) } catch {
            throw TrainingError("rank \(s.rank): cannot send \(kind) to the coordinator at \(s.coordinatorEndpoint): \(error)")
        }
    }

    func toPeer(_ kind: MessageKind, _ t: Int, _ payload: [UInt8]) throws {
        guard let outbox, let peer else { return }
        do { try outbox.send([frame(kind, t, payload)]) } catch {
            throw TrainingError("rank \(s.rank): cannot send \(kind) to its pair peer rank \(peer) at \(s.peerInbox ?? "?"): \(error)")
        }
    }

    /// The coordinator's next message of `kind` for iteration `t`. The wait is bounded by the
    /// coordinator's silence: it sends a heartbeat every heartbeat_seconds while it waits on others.
    func fromCoordinator(_ kind: MessageKind, _ t: Int) throws -> Frame {
        var deadline = Date().addingTimeInterval(config.distributed.timeoutSeconds)
        while Date() < deadline {
            guard let frames = try coordinator.receive(timeout: min(0.5, max(0.001, deadline.timeIntervalSinceNow))) else { continue }
            guard let bytes = frames.last, let f = try? decode(bytes, expectJob: kind != .welcome) else { continue }
            deadline = Date().addingTimeInterval(config.distributed.timeoutSeconds)
            if f.type == MessageKind.heartbeat.rawValue { continue }
            if f.type == MessageKind.abort.rawValue {
                throw TrainingError("rank \(s.rank): the coordinator ended the job: \((try? TextMessage.decode(f.payload).text) ?? "abort")")
            }
            guard f.type == kind.rawValue, f.iteration == t, f.sender == (s.topology.coordinatorRank ?? -1) else {
                countRejected(.unexpected); continue
            }
            return f
        }
        throw TrainingError("rank \(s.rank) (host \(HostInfo.name)): no \(kind) from the coordinator for iteration \(t) "
                            + "within \(Int(config.distributed.timeoutSeconds)) s (coordinator at \(s.coordinatorEndpoint) is gone or stalled)")
    }

    func decode(_ bytes: [UInt8], expectJob: Bool) throws -> Frame {
        do { return try Frame.decode(bytes, jobId: expectJob ? jobId : nil, maxPayload: maxPayload) } catch {
            countRejected(error as? FrameRejection ?? .malformedPayload); throw error
        }
    }

    /// The pair peer's message of `kind` for iteration `t` (bounded wait; bad bytes are counted and dropped).
    func fromPeer(_ kind: MessageKind, _ t: Int) throws -> Frame {
        if let f = peerBuffer.removeValue(forKey: kind), f.iteration == t { return f }
        let deadline = Date().addingTimeInterval(config.distributed.timeoutSeconds)
        while Date() < deadline {
            guard let frames = try s.inbox.receive(timeout: min(0.5, max(0.001, deadline.timeIntervalSinceNow))) else { continue }
            guard frames.count == 2, let f = try? decode(frames[1], expectJob: true) else {
                if frames.count != 2 { countRejected(.malformedPayload) }
                continue
            }
            guard f.sender == peer, let k = MessageKind(rawValue: f.type), f.iteration == t,
                  [.assignment, .predictions, .costs].contains(k) else { countRejected(.unexpected); continue }
            if k == kind { return f }
            peerBuffer[k] = f
        }
        throw TrainingError("rank \(s.rank) (host \(HostInfo.name)): no \(kind) from pair peer rank \(peer ?? -1) for iteration \(t) "
                            + "within \(Int(config.distributed.timeoutSeconds)) s")
    }

    func countRejected(_ r: FrameRejection) {
        if rejected.count(r) { s.log("rank \(s.rank): rejected a message (\(r.rawValue)); further ones are counted in status") }
    }

    /// Counts and drops anything that arrived at the inbox outside a wait (intruders, garbage).
    func drainInbox() {
        while let frames = try? s.inbox.receiveNow() {
            guard frames.count == 2, let f = try? decode(frames[1], expectJob: true) else {
                if frames.count != 2 { countRejected(.malformedPayload) }
                continue
            }
            if f.sender == peer, f.iteration >= iteration, let k = MessageKind(rawValue: f.type) { peerBuffer[k] = f } else { countRejected(.unexpected) }
        }
    }

    // MARK: Start-up

    func handshake() throws -> Welcome {
        let hello = Hello(network: me, groupRank: groupRank, host: HostInfo.name, pid: HostInfo.pid,
                          inbox: s.inboxEndpoint)
        try coordinator.send([Frame(type: MessageKind.hello.rawValue, jobId: 0, iteration: 0, sender: s.rank, payload: hello.encode()).encoded()])
        let deadline = Date().addingTimeInterval(Coordinator.startupSeconds(config))
        while Date() < deadline {
            guard let frames = try coordinator.receive(timeout: 0.5), let bytes = frames.last,
                  let f = try? Frame.decode(bytes, jobId: nil, maxPayload: maxPayload) else { continue }
            guard f.type == MessageKind.welcome.rawValue else { continue }
            jobId = f.jobId
            return try Welcome.decode(f.payload)
        }
        throw TrainingError("rank \(s.rank) (host \(HostInfo.name)): no welcome from the coordinator at \(s.coordinatorEndpoint) "
                            + "within \(Int(Coordinator.startupSeconds(config))) s",
                            hint: "is the coordinator running and reachable? (distributed.coordinator / --coordinator)")
    }

    func restore(from path: String) throws {
        let dir = URL(fileURLWithPath: path)
        let state = try Checkpoint.readState(dir)
        if trained {
            try Checkpoint.readNetwork(me.rawValue, from: dir, into: worker.network.store, optimizer: worker.optimizer,
                                       steps: state.optimizerSteps[me.rawValue] ?? 0)
        }
        feed.seek(SamplerPosition(epoch: state.epoch, iteration: state.iterationInEpoch))
    }

    // MARK: The loop

    public func run() throws {
        let welcome = try handshake()
        var hbOpts = SocketOptions()
        hbOpts.heartbeatSeconds = config.distributed.heartbeatSeconds
        try heartbeat.start(endpoint: s.coordinatorEndpoint, rank: s.rank, jobId: jobId, interval: config.distributed.heartbeatSeconds,
                            options: hbOpts, log: s.log)
        defer { heartbeat.stop() }
        if !welcome.resumeFrom.isEmpty { try restore(from: welcome.resumeFrom) }
        iteration = welcome.startIteration
        var evaluator: Evaluator?
        while iteration < welcome.endIteration {
            heartbeat.set(.training, iteration)
            let decision = try runIteration(iteration)
            let t = iteration
            iteration += 1
            if decision.checkpoint && groupRank == 0 && trained {
                heartbeat.set(.checkpointing, t)
                let dir = s.workDir.appendingPathComponent("checkpoints").appendingPathComponent(Checkpoint.directoryName(t + 1))
                try Checkpoint.writeNetwork(me.rawValue, store: worker.network.store, optimizer: worker.optimizer, to: dir)
                try toCoordinator(.saved, t, Saved(network: me, optimizerSteps: worker.optimizer?.steps ?? 0,
                                                   epoch: feed.position.epoch, iterationInEpoch: feed.position.iteration).encode())
            }
            if decision.evaluate && groupRank == 0 && config.eval.network.ids.contains(me) {
                heartbeat.set(.evaluating, t)
                if evaluator == nil { evaluator = try Evaluator(dataset: openDataset(config.data, split: .val), config: config, layout: layout) }
                let (m, _) = try evaluator!.evaluate(worker.network)
                let json = String(decoding: try JSONSerialization.data(withJSONObject: m.mmdetDictionary(), options: [.sortedKeys]), as: UTF8.self)
                try toCoordinator(.evalResult, t, TextMessage(network: me, text: json).encode())
            }
            if decision.last { break }
        }
        heartbeat.set(.finished, iteration)
        try toCoordinator(.bye, iteration, [])
    }

    /// Sends a failure to the coordinator (best effort) so it can name this rank and the cause.
    public func reportFailure(_ error: Error) {
        try? coordinator.send([frame(.failure, iteration, TextMessage(network: me, text: "\(error)").encode())])
    }

    func runIteration(_ t: Int) throws -> Decision {
        var times: [String: Double] = [:]
        var mark = DispatchTime.now().uptimeNanoseconds
        let t0 = mark
        func lap(_ name: String) {
            let n = DispatchTime.now().uptimeNanoseconds
            times[name, default: 0] += Double(n - mark) / 1e9; mark = n
        }
        drainInbox()
        let batch = try feed.next()
        let images = Tensor(shape: [batch.count, batch.size, batch.size, 3], data: batch.images)
        let targets = BatchTargets(batch, layout: layout)
        lap("data")
        worker.forward(images)
        lap("forward")
        let pre = step.preassign(targets)
        let mode = config.mode
        var costs: [[Float]] = []
        var stats = Stats(a: nil, b: nil, pairs: 0, fromB: 0)
        var assignments: [Assignment]?
        let assigns = mode == .baseline || mode == .colad || (me == .a && (mode == .lad || mode == .solad))
        if assigns { costs = worker.costs(pre, assigner: step.assigner, layout: layout) }
        if mode == .colad {
            switch config.colad.granularity {
            case .iteration:
                var agg = AggregateStats()
                for x in step.statistics(pre, costs: costs).joined() { agg.add(x) }
                if me == .a { stats.a = agg } else { stats.b = agg }
            case .object:
                lap("assign")
                try toPeer(.costs, t, CostsMessage.encode(costs))
                let theirs = try CostsMessage.decode(fromPeer(.costs, t).payload, counts: costs.map(\.count))
                lap("pair")
                let (asg, record) = step.coLAD(pre, costsA: me == .a ? costs : theirs, costsB: me == .b ? costs : theirs,
                                               rule: rule, granularity: .object)
                assignments = asg
                stats = Stats(a: record.a, b: record.b, pairs: record.a.pairs, fromB: Int((record.teacherBRatio * Double(record.a.pairs)).rounded()))
            }
        }
        lap("assign")
        try toCoordinator(.stats, t, stats.encode())
        let decision = try Decision.decode(fromCoordinator(.decision, t).payload)
        lap("coordinator_wait")
        // The assignment (and teacher predictions) this pair learns from.
        var teacherOutputs: HeadOutputs?
        let objects = targets.targets.map(\.count)
        switch mode {
        case .baseline:
            assignments = step.finalize(pre, costs: costs)
        case .lad, .solad, .soft:
            if me == .a {
                if mode != .soft {
                    let asg = step.finalize(pre, costs: costs)
                    lap("assign")
                    try toPeer(.assignment, t, AssignmentMessage.encode(asg))
                }
                if mode != .lad { try toPeer(.predictions, t, PredictionsMessage.encode(worker.outputs!)) }
            } else {
                if mode != .soft { assignments = try AssignmentMessage.decode(fromPeer(.assignment, t).payload, valid: targets.valid, objects: objects) }
                if mode != .lad { teacherOutputs = try PredictionsMessage.decode(fromPeer(.predictions, t).payload, like: worker.outputs!) }
            }
        case .colad:
            if config.colad.granularity == .iteration {
                if decision.teacher?.rawValue == me.rawValue {
                    let asg = step.finalize(pre, costs: costs)
                    assignments = asg
                    lap("assign")
                    try toPeer(.assignment, t, AssignmentMessage.encode(asg))
                } else {
                    assignments = try AssignmentMessage.decode(fromPeer(.assignment, t).payload, valid: targets.valid, objects: objects)
                }
            }
        }
        lap("pair")
        var report = Report(network: me, trained: trained)
        report.images = batch.count
        if trained {
            let k = s.topology.k
            let group = s.group
            let reduce: (([Double]) throws -> [Double])? = k > 1 ? { v in try group!.allReduceSum(v) } : nil
            let (record, parts) = try lossStep.run(worker, teacher: teacherOutputs, assignments: assignments ?? [], targets: targets,
                                                   reduce: reduce)
            try LossStep.requireFinite(parts, iteration: t, network: "\(me.rawValue) (rank \(s.rank))",
                                       checkpoints: s.workDir.appendingPathComponent("checkpoints").path)
            lap("loss_backward")
            if k > 1 {
                let store = worker.network.store
                try group!.allReduceSum(UnsafeMutableBufferPointer(start: store.grads, count: store.count))
            }
            lap("allreduce")
            report.lr = Double(worker.step(iteration: t))
            lap("step")
            (report.cls, report.box, report.iou, report.numPositives) = (record.cls, record.box, record.iou, record.numPositives)
            report.kd = record.kd.map { [$0.cls, $0.iou, $0.box] }
        }
        worker.finishIteration()
        times["total"] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        report.times = times
        report.epoch = feed.position.epoch
        report.rejected = rejected
        try toCoordinator(.report, t, report.encode())
        return decision
    }
}
