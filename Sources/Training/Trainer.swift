// The single-process job (the "single-process reference" of DESIGN.md §1): the replicas of
// both networks and the coordinator's ledger in one process, joined by in-process links. Each
// iteration runs the replicas phase by phase (Replica.Phase), so it computes exactly what a
// distributed job with one replica per network computes — the same code, another transport.
import Config
import Datasets
import Engine
import Foundation

public final class Trainer {
    public let config: TrainingConfig
    public let workDir: URL
    public let plan: ModePlan
    /// One replica per network of the mode, A first.
    public let replicas: [Replica]
    public let coordinator: InProcessCoordinator
    let log: (String) -> Void
    let clock = SpanClock()

    /// `freeze` keeps a network that the mode would train fixed (inference behaviour, no
    /// updates); used to check CoLAD with a fixed, frozen teacher against LAD.
    public init(config: TrainingConfig, workDir: URL? = nil, freeze: Set<NetworkID> = [],
                log: @escaping (String) -> Void = { Console.standard.line($0) }) throws {
        self.config = config
        let dir = workDir ?? URL(fileURLWithPath: config.workDir)
        self.workDir = dir
        self.log = log
        let plan = ModePlan(config, frozen: freeze)
        let topology = JobTopology(k: 1, networks: plan.networks, coordinatorRank: nil)
        let coordinator = InProcessCoordinator(config: config, plan: plan, topology: topology)
        self.plan = plan
        self.coordinator = coordinator
        // The replicas share one feed (a pair reads the same batch) and one evaluator.
        let feed = try DataFeed(dataset: openDataset(config.data, split: .train), config: config, prefetch: true)
        let evaluator = SharedEvaluator(config: config)
        let pair = plan.networks.count > 1 ? InProcessPair() : nil
        replicas = try plan.networks.map { id in
            let rank = topology.rank(of: id, groupRank: 0)
            return try Replica(config: config, plan: plan, placement: .init(network: id, groupRank: 0, rank: rank), feed: feed,
                               evaluator: evaluator, coordinator: coordinator.link(rank: rank), pair: pair?.end(id), group: nil,
                               workDir: dir)
        }
    }

    public func replica(_ id: NetworkID) -> Replica {
        guard let r = replicas.first(where: { $0.placement.network == id }) else { preconditionFailure("Trainer: no network \(id.rawValue)") }
        return r
    }

    /// Iterations completed.
    public var iteration: Int { replicas[0].iteration }
    public var checkpointRoot: URL { workDir.appendingPathComponent("checkpoints") }

    /// One iteration of every replica (with the schedule's checkpoint and evaluation).
    public func runIteration() throws -> IterationRecord {
        let t = iteration, started = clock.now
        for phase in Replica.Phase.allCases {
            for r in replicas { try r.run(phase) }
        }
        coordinator.journal?.trace([Span(name: "iteration", start: started, seconds: clock.now - started, iteration: t)],
                                   track: TraceFile.Track(group: 0, groupName: "job", id: 0, name: "trainer"))
        return try coordinator.takeRecord()
    }

    /// Trains until train.iterations (or `stopAfter` more iterations), evaluating and
    /// checkpointing on schedule; always ends with a checkpoint; logs each network's final mAP.
    public func run(resume: Bool, stopAfter: Int? = nil) throws {
        try coordinator.start(workDir: workDir, resume: resume, stopAfter: stopAfter, log: log)
        for r in replicas { try r.join(host: "local", pid: Int(ProcessInfo.processInfo.processIdentifier), inbox: "") }
        log(Journal.startLine(config, ledger: coordinator.ledger, workDir: workDir))
        if iteration == 0 { for r in replicas { if let line = r.network.initialisation { log(line) } } }
        if replicas[0].finished { log("nothing to do: iteration \(iteration) is the end of this launch") }
        while !replicas[0].finished { _ = try runIteration() }
        for r in replicas { try r.leave() }
        for line in coordinator.journal!.finish() { log(line) }
    }
}
