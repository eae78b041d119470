// The coordinator's view of the job's replicas (DESIGN.md §3–§4): who said hello from which
// socket identity, what each is doing, when it was last heard. Pure (the caller passes the
// time), so duplicate hellos, impostors and silence are tested without sockets. A refusal is a
// `FrameRejection`, counted by the caller like any bad message.
import Config
import Foundation
import Training
import Transport

struct WorkerTable {
    struct Worker {
        var rank: Int
        var network: NetworkID
        var groupRank: Int
        var host = "?"
        var pid = 0
        /// The routing identity of its main socket, pinned by its hello (empty before).
        var identity: [UInt8] = []
        /// Its heartbeat socket's identity, pinned by the first heartbeat.
        var heartbeatIdentity: [UInt8]?
        var inbox = ""
        var lastHeard: Date
        var lastIteration = -1
        var phase = WorkerPhase.starting
        /// When `phase` last changed (a rank back from a long evaluation is not a stall yet).
        var phaseSince: Date
        var times: [String: Double] = [:]
        var rejected: [String: Int] = [:]
        var residentMB: Double = 0
        var finished = false
        /// Since when sends to its main socket fail: its connection is gone.
        var unreachableSince: Date?

        var joined: Bool { !identity.isEmpty }

        mutating func setPhase(_ p: WorkerPhase, at now: Date) {
            if p != phase { phase = p; phaseSince = now }
        }
        /// "rank 2 (b0, host vm, pid 4711)".
        var name: String { "rank \(rank) (\(network.rawValue)\(groupRank), host \(host), pid \(pid))" }
    }

    private(set) var workers: [Int: Worker] = [:]
    /// Every replica's rank, ascending.
    private var ranks: [Int] = []

    init(topology: JobTopology, now: Date) {
        for r in topology.workerRanks {
            guard case .worker(let n, let g) = topology.role(of: r) else { continue }
            ranks.append(r)
            workers[r] = Worker(rank: r, network: n, groupRank: g, lastHeard: now, phaseSince: now)
        }
    }

    /// Every replica in rank order.
    var all: [Worker] { ranks.map { workers[$0]! } }
    var allJoined: Bool { workers.values.allSatisfy(\.joined) }
    var allFinished: Bool { workers.values.allSatisfy(\.finished) }
    subscript(rank: Int) -> Worker? { workers[rank] }

    /// A replica's hello: it must be the network and group rank the topology expects at that
    /// rank, and the first hello for it (a second one, e.g. an impostor's, is refused).
    mutating func hello(_ h: Hello, rank: Int, identity: [UInt8], now: Date) throws {
        guard var w = workers[rank], h.network == w.network, h.groupRank == w.groupRank, !w.joined, !identity.isEmpty else {
            throw FrameRejection.unexpected
        }
        w.identity = identity; w.host = h.host; w.pid = h.pid; w.inbox = h.inbox; w.lastHeard = now
        workers[rank] = w
    }

    /// A heartbeat, from the replica's heartbeat socket (pinned by the first) or its main socket.
    mutating func heartbeat(_ hb: Heartbeat, rank: Int, identity: [UInt8], now: Date) throws {
        guard var w = workers[rank], w.joined else { throw FrameRejection.unexpected }
        if w.heartbeatIdentity == nil, identity != w.identity { w.heartbeatIdentity = identity }
        guard identity == w.heartbeatIdentity || identity == w.identity else { throw FrameRejection.unexpected }
        w.setPhase(hb.phase, at: now); w.lastHeard = now
        workers[rank] = w
    }

    /// Any other message: it must come from the socket that said hello for that rank.
    mutating func admit(rank: Int, identity: [UInt8], now: Date) throws {
        guard var w = workers[rank], w.joined, identity == w.identity else { throw FrameRejection.unexpected }
        w.lastHeard = now
        workers[rank] = w
    }

    mutating func update(_ rank: Int, _ change: (inout Worker) -> Void) {
        guard var w = workers[rank] else { return }
        change(&w)
        workers[rank] = w
    }

    /// The first unfinished replica not heard from for longer than `limit` seconds.
    func silent(now: Date, limit: Double) -> Worker? {
        all.first { !$0.finished && now.timeIntervalSince($0.lastHeard) > limit }
    }
}
