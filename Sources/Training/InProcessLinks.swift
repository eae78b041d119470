// The links of a single-process job (the Trainer): the coordinator is a ledger and a journal
// called directly, the pair channel two mailboxes. The Trainer runs its replicas phase by
// phase, so a replica only ever asks for what another already sent; a message that is not
// there is a bug in the phase order and fails loudly instead of waiting.
import Config
import Foundation

/// The coordinator of a single-process job.
public final class InProcessCoordinator {
    let config: TrainingConfig
    let plan: ModePlan
    let topology: JobTopology
    public private(set) var ledger: Ledger
    /// Files and progress of the launch (nil before `start`: bare `runIteration` calls write nothing).
    public private(set) var journal: Journal?
    var welcome: Welcome
    var decisions: [Int: Decision] = [:]
    var lastRecord: IterationRecord?

    public init(config: TrainingConfig, plan: ModePlan, topology: JobTopology) {
        self.config = config; self.plan = plan; self.topology = topology
        ledger = Ledger(config: config, plan: plan, topology: topology, start: 0, stopAfter: nil)
        welcome = Welcome(startIteration: 0, endIteration: ledger.end, resumeFrom: nil)
    }

    /// Opens a launch: where it starts (resume), where it ends, and its journal.
    public func start(workDir: URL, resume: Bool, stopAfter: Int?, log: @escaping (String) -> Void) throws {
        let launch = try Launch.open(config: config, plan: plan, topology: topology, workDir: workDir, resume: resume, stopAfter: stopAfter, log: log)
        ledger = launch.ledger
        journal = launch.journal
        welcome = launch.welcome(coordinatorHost: "local")
    }

    public func link(rank: Int) -> CoordinatorLink { Link(self, rank: rank) }

    /// The record of the iteration the replicas just finished.
    func takeRecord() throws -> IterationRecord {
        guard let r = lastRecord else { throw TrainingError("in-process coordinator: no record after the iteration (a replica skipped its report)") }
        lastRecord = nil
        return r
    }

    func receive(_ message: WorkerMessage, iteration t: Int, from rank: Int) throws {
        if case .spans(let spans) = message, case .worker(let id, _) = topology.role(of: rank) {
            journal?.trace(spans, track: .replica(id, rank: rank + 1, name: "network \(id.rawValue)"))
            return
        }
        for e in try ledger.receive(message, iteration: t, from: rank) {
            switch e {
            case .decision(let i, let d):
                decisions[i] = d
                decisions[i - 2] = nil
            case .record(let r):
                lastRecord = r
                try journal?.write(e)
            case .evaluation, .checkpoint:
                try journal?.write(e)
            }
        }
    }

    final class Link: CoordinatorLink {
        unowned let hub: InProcessCoordinator
        let rank: Int
        init(_ hub: InProcessCoordinator, rank: Int) { self.hub = hub; self.rank = rank }

        func join(_ hello: Hello) throws -> Welcome { hub.welcome }
        func send(_ message: WorkerMessage, iteration: Int) throws { try hub.receive(message, iteration: iteration, from: rank) }
        func decision(for t: Int) throws -> Decision {
            guard let d = hub.decisions[t] else {
                throw TrainingError("in-process coordinator: no decision for iteration \(t) (a replica skipped its statistics)")
            }
            return d
        }
        func setPhase(_ phase: WorkerPhase, iteration: Int) {}
        var rejected: [String: Int] { [:] }
    }
}

/// The pair channel of a single-process job: one mailbox per network, one slot per message kind.
public final class InProcessPair {
    var inboxes: [NetworkID: [PairMessage.Kind: (t: Int, message: PairMessage)]] = [.a: [:], .b: [:]]

    public init() {}

    /// Network `id`'s end: it sends into the other network's mailbox and reads its own.
    public func end(_ id: NetworkID) -> PairLink { End(self, me: id) }

    final class End: PairLink {
        let channel: InProcessPair
        let me: NetworkID
        var peer: NetworkID { me == .a ? .b : .a }
        init(_ channel: InProcessPair, me: NetworkID) { self.channel = channel; self.me = me }

        func send(_ message: PairMessage, iteration: Int) throws {
            channel.inboxes[peer]![message.kind] = (iteration, message)
        }

        func receive(_ kind: PairMessage.Kind, iteration t: Int) throws -> PairMessage {
            guard let got = channel.inboxes[me]![kind], got.t == t else {
                throw TrainingError("in-process pair channel: no \(kind.rawValue) for network \(me.rawValue) at iteration \(t) (replicas out of phase)")
            }
            channel.inboxes[me]![kind] = nil
            return got.message
        }

        func drain(before t: Int) { channel.inboxes[me] = channel.inboxes[me]!.filter { $0.value.t >= t } }
        var rejected: [String: Int] { [:] }
    }
}
