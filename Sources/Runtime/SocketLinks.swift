// A replica's links over sockets (ZeroMQ in jobs, the in-memory transport in tests): every
// message in a Transport.Frame, every wait bounded, every bad message dropped and counted.
// - Coordinator: a DEALER to the coordinator's ROUTER, plus the heartbeat thread's own DEALER.
//   Decision waits are bounded by the coordinator's silence (it sends a heartbeat every
//   heartbeat_seconds while it waits on others), start-up by the start-up bound.
// - Pair: the replica's own ROUTER inbox (bound before the endpoint exchange) and a DEALER to
//   each peer's inbox: the pair peer, or with unequal groups every replica of the other network
//   that holds some of its images (JobTopology.overlaps; RoutedPairLink cuts and joins the
//   messages). `PairInbox` sorts what arrives, by sender.
import Foundation
import Training
import Transport

/// Waits and sizes shared by a replica's links.
public struct LinkSettings: Sendable {
    public var transport: MessageTransport
    /// Longest silence of a peer or the coordinator (distributed.timeout_seconds).
    public var timeoutSeconds: Double
    public var heartbeatSeconds: Double
    /// Longest wait for the welcome (every replica opens its dataset first).
    public var startupSeconds: Double
    public var maxPayload: Int
    /// This replica's world rank and host (for messages and errors).
    public var rank: Int
    public var host: String
    /// CURVE keys (nil: plain, e.g. the in-memory transport of tests).
    public var keys: ChannelKeys?

    public init(transport: MessageTransport, timeoutSeconds: Double, heartbeatSeconds: Double, startupSeconds: Double,
                maxPayload: Int, rank: Int, host: String, keys: ChannelKeys? = nil) {
        self.transport = transport; self.timeoutSeconds = timeoutSeconds; self.heartbeatSeconds = heartbeatSeconds
        self.startupSeconds = startupSeconds; self.maxPayload = maxPayload; self.rank = rank; self.host = host; self.keys = keys
    }

    /// Options of a socket connecting to the coordinator (the link's and the heartbeat's).
    var coordinatorClientOptions: SocketOptions {
        var o = socketOptions
        o.curve = keys.map { .client($0.coordinatorClient, serverKey: $0.coordinator) }
        return o
    }

    var socketOptions: SocketOptions {
        var o = SocketOptions()
        o.maxMessageBytes = maxPayload + Frame.headerSize
        o.heartbeatSeconds = heartbeatSeconds
        return o
    }
}

/// The job id every frame carries, learned from the welcome; shared by a replica's two links.
final class JobIdentity: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0
    var id: UInt64 { get { lock.lock(); defer { lock.unlock() }; return value } set { lock.lock(); value = newValue; lock.unlock() } }
}

public final class SocketCoordinatorLink: CoordinatorLink {
    let s: LinkSettings
    let endpoint: String
    /// The sender rank decisions must carry (the coordinator's world rank, or −1 when external).
    let coordinatorRank: Int
    let socket: MessageSocket
    let heartbeat = HeartbeatThread()
    let job: JobIdentity
    let onEnd: @Sendable (String) -> Void
    var counters = RejectionCounters()
    let log: @Sendable (String) -> Void

    /// `onEnd`: called from the heartbeat thread when the job is over for this replica (the
    /// coordinator ended it or is gone) — the caller's policy, e.g. ending the process.
    init(_ settings: LinkSettings, endpoint: String, coordinatorRank: Int?, job: JobIdentity,
         onEnd: @escaping @Sendable (String) -> Void, log: @escaping @Sendable (String) -> Void) throws {
        s = settings; self.endpoint = endpoint; self.coordinatorRank = coordinatorRank ?? -1; self.job = job
        self.onEnd = onEnd; self.log = log
        var opts = settings.coordinatorClientOptions
        opts.identity = Array("w\(settings.rank)".utf8)
        opts.lingerSeconds = 2   // the bye or failure sent just before close still goes out
        socket = try settings.transport.socket(.dealer, options: opts)
        try socket.connect(endpoint)
    }

    deinit { close() }

    public func close() { heartbeat.stop(); socket.close() }

    func frame(_ kind: MessageKind, _ t: Int, _ payload: [UInt8], jobId: UInt64? = nil) -> [UInt8] {
        Frame(type: kind.rawValue, jobId: jobId ?? job.id, iteration: t, sender: s.rank, payload: payload).encoded()
    }

    public func join(_ hello: Hello) throws -> Welcome {
        try socket.send([frame(.hello, 0, hello.encode(), jobId: 0)])
        let deadline = Date().addingTimeInterval(s.startupSeconds)
        while Date() < deadline {
            guard let frames = try socket.receive(until: deadline) else { continue }
            guard let bytes = frames.last, let f = try? Frame.decode(bytes, jobId: nil, maxPayload: s.maxPayload),
                  f.type == MessageKind.welcome.rawValue, f.sender == coordinatorRank, let welcome = try? Welcome.decode(f.payload) else {
                count(.unexpected); continue
            }
            job.id = f.jobId
            try heartbeat.start(transport: s.transport, endpoint: endpoint, rank: s.rank, jobId: f.jobId, interval: s.heartbeatSeconds,
                                options: s.coordinatorClientOptions,
                                watch: .init(coordinatorRank: coordinatorRank, coordinatorHost: welcome.coordinatorHost.isEmpty ? "?" : welcome.coordinatorHost,
                                             deadline: 3 * s.heartbeatSeconds),
                                onEnd: onEnd)
            return welcome
        }
        throw TrainingError("rank \(s.rank) (host \(s.host)): no welcome from the coordinator at \(endpoint) within \(Int(s.startupSeconds)) s",
                            hint: "is the coordinator running and reachable? (distributed.coordinator / --coordinator)")
    }

    public func send(_ message: WorkerMessage, iteration t: Int) throws {
        try checkAborted()
        let (kind, payload) = message.wire
        do { try socket.send([frame(kind, t, payload)]) } catch {
            throw TrainingError("rank \(s.rank): cannot send \(kind) to the coordinator at \(endpoint): \(error)")
        }
    }

    /// The decision for `t`. Heartbeats from the coordinator extend the wait; anything else that
    /// is not this decision (stale, from a stranger, garbage) is counted and dropped.
    public func decision(for t: Int) throws -> Decision {
        var deadline = Date().addingTimeInterval(s.timeoutSeconds)
        while Date() < deadline {
            try checkAborted()
            guard let frames = try socket.receive(until: deadline) else { continue }
            let f: Frame
            do { f = try Frame.decode(frames.last ?? [], jobId: job.id, maxPayload: s.maxPayload) } catch {
                count(error as? FrameRejection ?? .malformedPayload); continue
            }
            guard f.sender == coordinatorRank else { count(.unexpected); continue }
            deadline = Date().addingTimeInterval(s.timeoutSeconds)
            switch MessageKind(rawValue: f.type) {
            case .heartbeat?:
                continue
            case .abort?:
                throw TrainingError("rank \(s.rank): the coordinator ended the job: \((try? TextPayload.decode(f.payload)) ?? "abort")")
            case .decision? where f.iteration == t:
                do { return try Decision.decode(f.payload) } catch { count(.malformedPayload) }
            default:
                count(.unexpected)
            }
        }
        throw TrainingError("rank \(s.rank) (host \(s.host)): no decision from the coordinator for iteration \(t) "
                            + "within \(Int(s.timeoutSeconds)) s (coordinator at \(endpoint) is gone or stalled)")
    }

    public func setPhase(_ phase: WorkerPhase, iteration: Int) { heartbeat.set(phase, iteration) }
    public var rejected: [String: Int] { counters.counts }

    func checkAborted() throws {
        if let reason = heartbeat.endedReason { throw TrainingError("rank \(s.rank): \(reason)") }
    }

    func count(_ r: FrameRejection) {
        if counters.count(r) { log("rank \(s.rank): rejected a message from the coordinator socket (\(r.rawValue)); further ones are counted in status") }
    }
}

/// Sorts the traffic of a pair inbox (pure; tested without sockets). Accepted: frames of this
/// job from a peer rank, of a pair kind, for the iteration being waited on or the next one
/// (a peer is never further ahead); each (kind, iteration, sender) once. Everything else is rejected.
struct PairInbox {
    let peers: Set<Int>
    let maxPayload: Int
    var buffer: [PairKey: Frame] = [:]
    var counters = RejectionCounters()

    struct PairKey: Hashable { var kind: PairMessage.Kind; var iteration: Int; var sender: Int }

    init(peers: Set<Int>, maxPayload: Int) { self.peers = peers; self.maxPayload = maxPayload }
    init(peer: Int, maxPayload: Int) { self.init(peers: [peer], maxPayload: maxPayload) }

    /// Files one received multipart message (`[identity, frame]`) while at iteration `t`.
    /// Returns the rejection when there is one, and whether it is the first of its kind (to log).
    mutating func accept(_ frames: [[UInt8]], jobId: UInt64, at t: Int) -> (kind: FrameRejection, first: Bool)? {
        let rejection: FrameRejection? = {
            guard frames.count == 2 else { return .malformedPayload }
            let f: Frame
            do { f = try Frame.decode(frames[1], jobId: jobId, maxPayload: maxPayload) } catch { return error as? FrameRejection ?? .malformedPayload }
            guard peers.contains(f.sender), let wire = MessageKind(rawValue: f.type), let kind = PairMessage.Kind(wire: wire),
                  f.iteration == t || f.iteration == t + 1 else { return .unexpected }
            let key = PairKey(kind: kind, iteration: f.iteration, sender: f.sender)
            guard buffer[key] == nil else { return .unexpected }
            buffer[key] = f
            return nil
        }()
        guard let rejection else { return nil }
        return (rejection, counters.count(rejection))
    }

    /// The message of `kind` for `t` from `sender` (nil: the only peer).
    mutating func take(_ kind: PairMessage.Kind, iteration t: Int, from sender: Int? = nil) -> Frame? {
        guard let sender = sender ?? (peers.count == 1 ? peers.first : nil) else { preconditionFailure("PairInbox.take: which peer?") }
        return buffer.removeValue(forKey: PairKey(kind: kind, iteration: t, sender: sender))
    }

    /// Drops (and counts) buffered messages of iterations before `t` (never taken: stale).
    mutating func drop(before t: Int) {
        for key in buffer.keys where key.iteration < t { buffer[key] = nil; counters.count(.unexpected) }
    }
}

/// A replica's pair channel over sockets: its inbox and a DEALER per peer. As a `PairLink` it
/// talks to its one pair peer (equal groups); as `PeerChannels` to several (unequal groups,
/// under a RoutedPairLink).
public final class SocketPairLink: PairLink, PeerChannels {
    let s: LinkSettings
    let inbox: MessageSocket
    /// Each peer's world rank → its inbox's endpoint and the DEALER to it.
    let outboxes: [Int: (endpoint: String, socket: MessageSocket)]
    let job: JobIdentity
    var sorter: PairInbox
    let log: @Sendable (String) -> Void
    /// When the coordinator was last heard (set by the job: its coordinator link's watch).
    var coordinatorHeard: (() -> Date)?

    /// `inbox`: this replica's bound ROUTER; the DEALERs to the peers' inboxes are made here.
    init(_ settings: LinkSettings, inbox: MessageSocket, peers: [(rank: Int, endpoint: String)], job: JobIdentity,
         log: @escaping @Sendable (String) -> Void) throws {
        precondition(!peers.isEmpty, "SocketPairLink: no peer")
        s = settings; self.inbox = inbox; self.job = job; self.log = log
        sorter = PairInbox(peers: Set(peers.map(\.rank)), maxPayload: settings.maxPayload)
        var out: [Int: (endpoint: String, socket: MessageSocket)] = [:]
        for (rank, endpoint) in peers {
            var opts = settings.socketOptions
            opts.identity = Array("p\(settings.rank)".utf8)
            opts.lingerSeconds = 2   // a teacher that finishes first still delivers its last messages
            if let keys = settings.keys {
                guard let peerKey = keys.replicas[rank] else { preconditionFailure("SocketPairLink: no key for peer rank \(rank)") }
                opts.curve = .client(keys.own, serverKey: peerKey)
            }
            let socket = try settings.transport.socket(.dealer, options: opts)
            try socket.connect(endpoint)
            out[rank] = (endpoint, socket)
        }
        outboxes = out
    }

    /// One pair peer (equal groups).
    convenience init(_ settings: LinkSettings, inbox: MessageSocket, peerRank: Int, peerEndpoint: String, job: JobIdentity,
                     log: @escaping @Sendable (String) -> Void) throws {
        try self.init(settings, inbox: inbox, peers: [(peerRank, peerEndpoint)], job: job, log: log)
    }

    deinit { for o in outboxes.values { o.socket.close() } }

    /// The pair peer (a PairLink has exactly one).
    var onlyPeer: Int {
        precondition(outboxes.count == 1, "SocketPairLink: \(outboxes.count) peers; route through RoutedPairLink")
        return outboxes.keys.first!
    }

    public func send(_ message: PairMessage, iteration t: Int) throws { try send(message, iteration: t, to: onlyPeer) }

    public func receive(_ kind: PairMessage.Kind, iteration t: Int) throws -> PairMessage { try receive(kind, iteration: t, from: onlyPeer) }

    public func send(_ message: PairMessage, iteration t: Int, to peer: Int) throws {
        guard let out = outboxes[peer] else { preconditionFailure("SocketPairLink: rank \(peer) is not a peer") }
        let kind = message.kind.wire
        let bytes = Frame(type: kind.rawValue, jobId: job.id, iteration: t, sender: s.rank, payload: message.encode()).encoded()
        do { try out.socket.send([bytes]) } catch {
            throw TrainingError("rank \(s.rank): cannot send \(kind) to its pair peer rank \(peer) at \(out.endpoint): \(error)")
        }
    }

    /// Waits while the peer is silent for timeout_seconds; while the coordinator is still heard
    /// (`coordinatorAlive`), longer: the peer may be evaluating, and a stall is the coordinator's call.
    public func receive(_ kind: PairMessage.Kind, iteration t: Int, from peer: Int) throws -> PairMessage {
        var deadline = Date().addingTimeInterval(s.timeoutSeconds)
        while true {
            if let f = sorter.take(kind, iteration: t, from: peer) {
                do { return try PairMessage.decode(kind, f.payload) } catch {
                    throw TrainingError("rank \(s.rank): the \(kind.rawValue) of pair peer rank \(peer) for iteration \(t) is malformed (\(error))",
                                        hint: "both sides must run the same colad build")
                }
            }
            if Date() >= deadline {
                guard let heard = coordinatorHeard?(), Date().timeIntervalSince(heard) < 3 * s.heartbeatSeconds else { break }
                deadline = Date().addingTimeInterval(s.heartbeatSeconds)
            }
            guard let frames = try inbox.receive(until: deadline) else { continue }
            file(frames, at: t)
        }
        throw TrainingError("rank \(s.rank) (host \(s.host)): no \(kind.rawValue) from pair peer rank \(peer) for iteration \(t) "
                            + "within \(Int(s.timeoutSeconds)) s")
    }

    public func drain(before t: Int) {
        while let frames = try? inbox.receiveNow() { file(frames, at: t) }
        sorter.drop(before: t)
    }

    /// Rejected messages by kind, refused connections (`unauthenticated`) included.
    public var rejected: [String: Int] {
        if sorter.counters.count(.unauthenticated, times: inbox.takeHandshakeFailures()) {
            log("rank \(s.rank): refused a connection to its pair inbox without the job's keys; further ones are counted in status")
        }
        return sorter.counters.counts
    }

    func file(_ frames: [[UInt8]], at t: Int) {
        if let r = sorter.accept(frames, jobId: job.id, at: t), r.first {
            log("rank \(s.rank): rejected a message on its pair inbox (\(r.kind.rawValue)); further ones are counted in status")
        }
    }
}
