// Start-up of a multi-process job (DESIGN.md §1): roles from the world rank, endpoint exchange
// by MPI allgather, one MPI communicator per network, then the coordinator's loop or one
// replica's iterations over ZeroMQ links. Returns when the job finished; throws why this
// process cannot go on (`JobFailure` on the coordinator, `RankFailure` on a replica). What
// happens then (the message, MPI_Abort, the exit code) is the caller's policy: the CLI's.
import Comm
import Config
import Engine
import Foundation
import Training
import Transport

/// A replica that cannot go on: its rank, host and the cause.
public struct RankFailure: Error, CustomStringConvertible {
    public var rank: Int
    public var name: String
    public var host: String
    public var cause: Error
    public var description: String { "rank \(rank) (\(name), host \(host)) failed: \(cause)" }
}

extension Communicator: GroupReducer {
    public func sum(_ values: [Double]) throws -> [Double] { try allReduceSum(values) }
    public func sum(_ buffer: UnsafeMutableBufferPointer<Float>) throws { try allReduceSum(buffer) }
}

public enum DistributedJob {
    /// The caller's policies for what only it may decide.
    public struct Hooks: Sendable {
        /// On the coordinator rank, once it exists (e.g. to name a dead rank on mpirun's SIGTERM).
        public var coordinatorStarted: @Sendable (CoordinatorSnapshot) -> Void
        /// On a replica, once it runs (e.g. to ask on mpirun's SIGTERM whether the coordinator is gone).
        public var replicaStarted: @Sendable (ReplicaWatch) -> Void
        /// On a replica, from its watch thread: the job is over for it (the coordinator ended it,
        /// or is gone) while its main thread may be blocked, e.g. in an all-reduce whose peer is
        /// gone. The text names the cause; the CLI ends the process (without MPI calls: this is
        /// not the main thread).
        public var replicaMustEnd: @Sendable (ReplicaWatch, String) -> Void
        public init(coordinatorStarted: @escaping @Sendable (CoordinatorSnapshot) -> Void = { _ in },
                    replicaStarted: @escaping @Sendable (ReplicaWatch) -> Void = { _ in },
                    replicaMustEnd: @escaping @Sendable (ReplicaWatch, String) -> Void = { _, _ in }) {
            self.coordinatorStarted = coordinatorStarted; self.replicaStarted = replicaStarted; self.replicaMustEnd = replicaMustEnd
        }
    }

    /// Runs this process's role to the end of the job.
    public static func run(world: Communicator, config: TrainingConfig, workDir: URL, resume: Bool, stopAfter: Int?,
                           hooks: Hooks, log: @escaping @Sendable (String) -> Void) throws {
        let costs = Balancing.StepCosts(world: world, config: config)
        let hosts = try world.allGather(Array(HostInfo.name.utf8)).map { String(decoding: $0, as: UTF8.self) }
        let cores = try Balancing.cores(world: world)
        let split = try Balancing.rankSplit(world: world, config: config, costs: costs, hosts: hosts, cores: cores)
        let topology = try split.map { JobTopology(counts: [$0.0.a, $0.0.b], networks: [.a, .b], coordinatorRank: 0, globalBatch: $0.0.globalBatch) }
            ?? JobTopology(worldSize: world.size, config: config)
        // COLAD_TRANSPORT=tcp runs a one-host job exactly as a multi-host one (TCP on all
        // interfaces, the host's address advertised): how the multi-node path is tested on one machine.
        let oneHost = Set(hosts).count == 1 && ProcessInfo.processInfo.environment["COLAD_TRANSPORT"] != "tcp"
        let endpoints = try Endpoints(oneHost: oneHost)
        defer { endpoints.removeSocketFiles() }
        let transport = ZMQTransport()
        // Keys first: every socket below is created with them.
        let own = try CurveKeyPair.generate()
        let publicKeys = try world.allGather(own.publicKey)
        let keys = try config.distributed.coordinator == nil
            ? ChannelKeys(own: own, publicKeys: publicKeys, topology: topology)
            : ChannelKeys(own: own, publicKeys: publicKeys, topology: topology,
                          file: KeyFile.read(in: workDir, waiting: Coordinator.startupSeconds(config)))
        let role = topology.role(of: world.rank)
        let plan = (split?.1 ?? []) + (try Balancing.apply(world: world, topology: topology, hosts: hosts, cores: cores, config: config, costs: costs))
        if world.rank == 0 { for line in plan { log(line) } }
        let settings = linkSettings(config, world.rank, transport, keys)
        let clock = config.monitor.trace ? try alignedClock(world) : SpanClock()
        var coordinator: Coordinator?
        var inbox: MessageSocket?
        var mine = ""
        switch role {
        case .coordinator:
            let c = try Coordinator(.init(config: config, workDir: workDir, topology: topology, resume: resume, stopAfter: stopAfter,
                                          workerBind: endpoints.local("coordinator"), transport: transport, keys: keys, log: log))
            coordinator = c
            hooks.coordinatorStarted(c.snapshot)
            mine = endpoints.advertised(c.workerEndpoint)
        case .worker(let n, let g):
            var opts = settings.socketOptions
            opts.curve = keys.inboxServer(rank: world.rank, peers: topology.overlaps(of: n, groupRank: g, batchSize: config.train.batchSize).map(\.peerRank))
            let s = try transport.socket(.router, options: opts)
            mine = endpoints.advertised(try s.bind(endpoints.local("inbox")))
            inbox = s
        }
        let all = try world.allGather(Array(mine.utf8)).map { String(decoding: $0, as: UTF8.self) }
        var color = -1
        if case .worker(let n, _) = role { color = topology.networks.firstIndex(of: n)! }
        let group = try world.split(color: color)

        switch role {
        case .coordinator:
            coordinator!.setAdvertised(workers: mine, inboxes: Dictionary(uniqueKeysWithValues: topology.workerRanks.map { ($0, all[$0]) }))
            try coordinator!.run()
        case .worker(let n, let g):
            try runReplica(config: config, workDir: workDir, topology: topology, placement: .init(network: n, groupRank: g, rank: world.rank),
                           settings: settings,
                           coordinatorEndpoint: config.distributed.coordinator ?? all[topology.coordinatorRank!],
                           inbox: inbox!, inboxEndpoint: mine, peerEndpoints: Dictionary(uniqueKeysWithValues: topology.workerRanks.map { ($0, all[$0]) }),
                           group: group, clock: clock, prefetch: true, hooks: hooks, log: log)
        }
    }

    /// This process's span clock shifted to world rank 0's (the coordinator, unless an external
    /// one runs): every rank reads its clock as it leaves a barrier, nine times; the offset is
    /// the median difference to rank 0's reading (SpanClock.offset).
    static func alignedClock(_ world: Communicator, rounds: Int = 9) throws -> SpanClock {
        let own = SpanClock()
        var samples: [(own: Double, reference: Double)] = []
        for _ in 0..<rounds {
            try world.barrier()
            let t = own.now
            let all = try world.allGather(withUnsafeBytes(of: t.bitPattern.littleEndian) { Array($0) })
            let reference = Double(bitPattern: UInt64(littleEndian: all[0].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))
            samples.append((t, reference))
        }
        return own.with(offset: SpanClock.offset(rounds: samples))
    }

    static func linkSettings(_ config: TrainingConfig, _ rank: Int, _ transport: MessageTransport, _ keys: ChannelKeys) -> LinkSettings {
        LinkSettings(transport: transport, timeoutSeconds: config.distributed.timeoutSeconds, heartbeatSeconds: config.distributed.heartbeatSeconds,
                     startupSeconds: Coordinator.startupSeconds(config), maxPayload: config.distributed.maxMessageBytes, rank: rank,
                     host: HostInfo.name, keys: keys)
    }

    /// One replica over socket links, from hello to bye. Its pair channel reaches the replicas
    /// of the other network that hold its images (`peerEndpoints`: their inboxes by world rank,
    /// more may be given): the pair peer with equal groups, else a RoutedPairLink over them. On
    /// failure it tells the coordinator why and gives it a moment to name the rank for the whole
    /// job before this process goes.
    public static func runReplica(config: TrainingConfig, workDir: URL, topology: JobTopology, placement: Replica.Placement,
                                  settings: LinkSettings, coordinatorEndpoint: String, inbox: MessageSocket, inboxEndpoint: String,
                                  peerEndpoints: [Int: String], group: GroupReducer?, clock: SpanClock = SpanClock(), prefetch: Bool = false,
                                  hooks: Hooks, log: @escaping @Sendable (String) -> Void) throws {
        let job = JobIdentity()
        let shortName = "\(placement.network.rawValue)\(placement.groupRank)"
        func failure(_ e: Error) -> RankFailure { RankFailure(rank: placement.rank, name: shortName, host: settings.host, cause: e) }
        let watchBox = WatchBox()
        let coordinator: SocketCoordinatorLink
        do {
            coordinator = try SocketCoordinatorLink(settings, endpoint: coordinatorEndpoint, coordinatorRank: topology.coordinatorRank, job: job,
                                                    onEnd: { reason in if let w = watchBox.watch { hooks.replicaMustEnd(w, reason) } }, log: log)
        } catch { throw failure(error) }
        defer { coordinator.close() }
        let watch = ReplicaWatch(heartbeat: coordinator.heartbeat, name: "rank \(placement.rank) (\(shortName), host \(settings.host))")
        watchBox.watch = watch
        hooks.replicaStarted(watch)
        var replica: Replica?
        do {
            let routes = topology.overlaps(of: placement.network, groupRank: placement.groupRank, batchSize: config.train.batchSize)
            var pair: PairLink?
            if !routes.isEmpty {
                let peers = try routes.map { r -> (rank: Int, endpoint: String) in
                    guard let e = peerEndpoints[r.peerRank] else { throw TrainingError("rank \(placement.rank): no inbox endpoint of its peer rank \(r.peerRank)") }
                    return (r.peerRank, e)
                }
                let sockets = try SocketPairLink(settings, inbox: inbox, peers: peers, job: job, log: log)
                let heartbeat = coordinator.heartbeat
                sockets.coordinatorHeard = { heartbeat.coordinatorHeard }
                // One overlap holds all this replica's images: the messages go whole, as to a pair peer.
                pair = routes.count == 1 ? sockets : RoutedPairLink(channels: sockets, routes: routes)
            }
            let train = try openDataset(config.data, split: .train)
            let feed = try DataFeed(dataset: train, config: config, groupSize: topology.count(of: placement.network), groupRank: placement.groupRank,
                                    batchPerRank: topology.batchPerRank(of: placement.network, batchSize: config.train.batchSize), prefetch: prefetch)
            let r = try Replica(config: config, plan: ModePlan(config), placement: placement, feed: feed, evaluator: SharedEvaluator(config: config),
                                coordinator: coordinator, pair: pair, group: group, workDir: workDir, clock: clock)
            replica = r
            try r.join(host: settings.host, pid: HostInfo.pid, inbox: inboxEndpoint)
            if r.iteration == 0, placement.groupRank == 0, let line = r.network.initialisation { log(line) }
            while !r.finished { try r.runIteration() }
            try r.leave()
        } catch {
            // Tell the coordinator (unless it is the one that is gone) and give it a moment to name
            // this rank for the whole job.
            if let replica, coordinator.heartbeat.endedReason == nil {
                replica.reportFailure(error)
                Thread.sleep(forTimeInterval: 2)
            }
            throw failure(error)
        }
    }
}

final class WatchBox: @unchecked Sendable { var watch: ReplicaWatch? }

/// This process's socket endpoints: Unix-domain sockets when the whole job is on one host
/// (measured ~15% faster than loopback TCP for the decision round trip, colad bench comm), TCP
/// otherwise, bound to the job's interface only (COLAD_IFACE, else the first non-loopback
/// IPv4 address), never to every interface.
final class Endpoints {
    let oneHost: Bool
    let advertise: String

    init(oneHost: Bool) throws {
        self.oneHost = oneHost
        advertise = oneHost ? "127.0.0.1" : try HostInfo.jobAddress()
        if oneHost { SocketFiles.removeStale() }
    }

    func local(_ tag: String) -> String {
        guard oneHost else { return "tcp://\(advertise):0" }
        return "ipc://" + SocketFiles.claim("colad-\(HostInfo.pid)-\(tag).sock")
    }

    func advertised(_ endpoint: String) -> String {
        guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":") else { return endpoint }
        return "tcp://\(advertise)\(endpoint[colon...])"
    }

    func removeSocketFiles() { SocketFiles.removeAll() }
}

/// The ipc socket files of this process. libzmq leaves a bound socket's file behind when the
/// process ends without closing it, so they are removed on every way out: normal end, thrown
/// failure, and the CLI's abort paths (`removeAll`); files left by a process that was killed
/// are removed by the next job on this host (`removeStale`).
public enum SocketFiles {
    nonisolated(unsafe) private static var paths: [String] = []
    private static let lock = NSLock()

    /// The path for `name` in the temporary directory, cleared and remembered for removal.
    static func claim(_ name: String) -> String {
        let path = NSTemporaryDirectory() + name
        try? FileManager.default.removeItem(atPath: path)
        lock.lock(); paths.append(path); lock.unlock()
        return path
    }

    public static func removeAll() {
        lock.lock(); let ps = paths; paths = []; lock.unlock()
        for p in ps { unlink(p) }
    }

    /// colad-PID-*.sock files whose process is gone.
    static func removeStale() {
        let dir = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix("colad-") && name.hasSuffix(".sock") {
            let parts = name.split(separator: "-")
            guard parts.count >= 3, let pid = Int32(parts[1]), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(dir + name)
        }
    }
}
