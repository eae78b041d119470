// Start-up of a multi-process job (DESIGN.md §1): roles from the world rank, endpoint exchange
// by MPI allgather, one MPI communicator per network, then the coordinator or a worker loop.
// Failures end the whole job (MPI_Abort) after one clear line naming rank, host, iteration and
// cause; the last complete checkpoint is untouched (checkpoints are committed by rename).
import Comm
import Config
import Foundation
import Transport

public enum DistributedJob {
    /// Runs this process's role. Returns normally when the job finished; never returns on failure.
    public static func run(world: Communicator, config: TrainingConfig, workDir: URL, resume: Bool, stopAfter: Int?,
                           log: @escaping @Sendable (String) -> Void) throws {
        let topology = try JobTopology(worldSize: world.size, config: config)
        let hosts = try world.allGather(Array(HostInfo.name.utf8)).map { String(decoding: $0, as: UTF8.self) }
        // COLAD_TRANSPORT=tcp runs a one-host job exactly as a multi-host one (TCP on all
        // interfaces, the host's address advertised): how the multi-node path is tested on one machine.
        let oneHost = Set(hosts).count == 1 && ProcessInfo.processInfo.environment["COLAD_TRANSPORT"] != "tcp"
        let bindHost = oneHost ? "127.0.0.1" : "0.0.0.0"
        let advertise = oneHost ? "127.0.0.1" : HostInfo.advertisedAddress()
        func advertised(_ endpoint: String) -> String {
            guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":") else { return endpoint }
            return "tcp://\(advertise)\(endpoint[colon...])"
        }
        // One host: Unix-domain sockets (ipc://), measured ~15% faster than loopback TCP for the
        // decision round trip (colad bench comm); several hosts: TCP.
        var socketFiles: [String] = []
        func localEndpoint(_ tag: String) -> String {
            guard oneHost else { return "tcp://\(bindHost):0" }
            let path = "\(NSTemporaryDirectory())colad-\(HostInfo.pid)-\(tag).sock"
            try? FileManager.default.removeItem(atPath: path)
            socketFiles.append(path)
            return "ipc://\(path)"
        }
        // libzmq leaves a bound ipc socket's file behind when the process exits without closing it.
        func removeSocketFiles() { for p in socketFiles { try? FileManager.default.removeItem(atPath: p) } }
        defer { removeSocketFiles() }
        let role = topology.role(of: world.rank)
        var coordinator: Coordinator?
        var inbox: ZMQSocket?
        var mine = ""
        switch role {
        case .coordinator:
            let c = try Coordinator(.init(config: config, workDir: workDir, topology: topology, resume: resume, stopAfter: stopAfter,
                                          workerBind: localEndpoint("coordinator"), log: log))
            coordinator = c
            c.installTerminationHandler()
            mine = advertised(c.workerEndpoint)
        case .worker:
            var opts = SocketOptions()
            opts.maxMessageBytes = config.distributed.maxMessageBytes + Frame.headerSize
            opts.heartbeatSeconds = config.distributed.heartbeatSeconds
            let s = try ZMQSocket(.router, options: opts)
            mine = advertised(try s.bind(localEndpoint("inbox")))
            inbox = s
        }
        let endpoints = try world.allGather(Array(mine.utf8)).map { String(decoding: $0, as: UTF8.self) }
        var color = -1
        if case .worker(let n, _) = role { color = config.networks.firstIndex(of: n)! }
        let group = try world.split(color: color)

        switch role {
        case .coordinator:
            var inboxes: [Int: String] = [:]
            for r in topology.workerRanks { inboxes[r] = endpoints[r] }
            coordinator!.setAdvertised(workers: mine, inboxes: inboxes)
            do { try coordinator!.run() } catch {
                let line = "colad: job failed: \(error)"
                coordinator!.markFailed("\(error)")
                FileHandle.standardError.write(Data((line + "\n").utf8))
                removeSocketFiles()
                MPIRuntime.abort(1)
            }
        case .worker(let n, let gr):
            let coordinatorEndpoint = config.distributed.coordinator ?? endpoints[topology.coordinatorRank!]
            let peer = topology.peer(of: n, groupRank: gr).map { endpoints[$0] }
            var w: DistributedWorker?
            do {
                w = try DistributedWorker(.init(config: config, workDir: workDir, topology: topology, rank: world.rank, group: group,
                                                coordinatorEndpoint: coordinatorEndpoint, inbox: inbox!, inboxEndpoint: mine, peerInbox: peer, log: log))
                try w!.run()
            } catch {
                FileHandle.standardError.write(Data("colad: rank \(world.rank) (\(n.rawValue)\(gr), host \(HostInfo.name)) failed: \(error)\n".utf8))
                w?.reportFailure(error)
                // Give the coordinator a moment to name the failure for the whole job, then end it.
                Thread.sleep(forTimeInterval: 2)
                removeSocketFiles()
                MPIRuntime.abort(1)
            }
        }
    }
}
