// Who may speak on a job's channels (DESIGN.md §3): every process makes its own CURVE keypair at
// start-up and the public keys are handed out over MPI (an allgather: mpirun set that channel
// up, and it reaches only the job's processes); secret keys never leave their process and no
// key is written to disk. The coordinator's socket admits the replicas' keys, a pair inbox only
// its peers' (routing by image ranges). The one exception is an external `colad coordinator`, which shares no MPI world
// with the workers: it hands them a key over a 0600 file in the shared work dir (`KeyFile`).
import Foundation
import Training
import Transport

public struct ChannelKeys: Sendable {
    /// This process's own keypair (its pair inbox and pair connections).
    public var own: CurveKeyPair
    /// What a replica presents to the coordinator (its own keypair, or the shared worker
    /// keypair of an external coordinator's key file).
    public var coordinatorClient: CurveKeyPair
    /// The coordinator's public key (the server key of its worker socket).
    public var coordinator: [UInt8]
    /// The keys the coordinator's worker socket admits.
    public var admittedByCoordinator: Set<[UInt8]>
    /// Each replica's own public key by world rank (a pair inbox admits its peer's).
    public var replicas: [Int: [UInt8]]

    /// The keys of an mpirun job: `publicKeys[r]` is world rank r's (allgathered).
    public init(own: CurveKeyPair, publicKeys: [[UInt8]], topology: JobTopology) {
        self.own = own
        coordinatorClient = own
        replicas = Dictionary(uniqueKeysWithValues: topology.workerRanks.map { ($0, publicKeys[$0]) })
        coordinator = topology.coordinatorRank.map { publicKeys[$0] } ?? []
        admittedByCoordinator = Set(replicas.values)
    }

    /// Workers of an external coordinator: their pair keys from the allgather, the coordinator
    /// channel from its key file.
    public init(own: CurveKeyPair, publicKeys: [[UInt8]], topology: JobTopology, file: KeyFile) {
        self.init(own: own, publicKeys: publicKeys, topology: topology)
        coordinatorClient = file.worker
        coordinator = file.coordinator
        admittedByCoordinator = [file.worker.publicKey]
    }

    /// An external coordinator: its own keypair, admitting the key file's worker key.
    public init(externalCoordinator own: CurveKeyPair, file: KeyFile) {
        self.own = own
        coordinatorClient = file.worker
        coordinator = own.publicKey
        admittedByCoordinator = [file.worker.publicKey]
        replicas = [:]
    }

    /// Keys for a coordinator admitting exactly `clients` (benchmarks, tests).
    public init(coordinator own: CurveKeyPair, admitting clients: Set<[UInt8]>) {
        self.own = own
        coordinatorClient = own
        coordinator = own.publicKey
        admittedByCoordinator = clients
        replicas = [:]
    }

    static let coordinatorDomain = "colad-coordinator"
    static func inboxDomain(_ rank: Int) -> String { "colad-inbox-\(rank)" }

    /// The coordinator's worker socket: a CURVE server admitting the replicas.
    var coordinatorServer: CurveRole {
        ZAPHandler.shared.allow(admittedByCoordinator, in: ChannelKeys.coordinatorDomain)
        return .server(own, domain: ChannelKeys.coordinatorDomain)
    }

    /// A replica's pair inbox: a CURVE server admitting only its peers (the pair peer, or with
    /// unequal groups the other network's replicas holding some of its images).
    func inboxServer(rank: Int, peers: [Int]) -> CurveRole {
        ZAPHandler.shared.allow(Set(peers.compactMap { replicas[$0] }), in: ChannelKeys.inboxDomain(rank))
        return .server(own, domain: ChannelKeys.inboxDomain(rank))
    }
}

/// An external coordinator's keys for its workers: WORK_DIR/channel-keys, mode 0600, written by
/// `colad coordinator` before it listens, read by the workers (who share the work dir).
public struct KeyFile: Sendable {
    public var coordinator: [UInt8]
    public var worker: CurveKeyPair
    public static let name = "channel-keys"

    /// A new coordinator key and worker keypair; the coordinator's own keypair is `server`.
    public static func make(server: CurveKeyPair) throws -> KeyFile {
        KeyFile(coordinator: server.publicKey, worker: try CurveKeyPair.generate())
    }

    /// Written to a 0600 temp file, then renamed into place.
    public func write(in workDir: URL) throws {
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        let text = "coordinator_public \(Z85.encode(coordinator))\nworker_public \(Z85.encode(worker.publicKey))\nworker_secret \(worker.z85Secret)\n"
        let tmp = workDir.appendingPathComponent(".\(KeyFile.name).tmp-\(HostInfo.pid)")
        try? FileManager.default.removeItem(at: tmp)
        guard FileManager.default.createFile(atPath: tmp.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw TrainingError("cannot write \(tmp.path)", hint: "check the work dir's permissions")
        }
        guard rename(tmp.path, workDir.appendingPathComponent(KeyFile.name).path) == 0 else {
            throw TrainingError("cannot rename \(tmp.path) into place (errno \(errno))")
        }
    }

    /// Removes the file (the coordinator, when its job ends: the workers' secret does not outlive it).
    public static func remove(from workDir: URL) { unlink(workDir.appendingPathComponent(name).path) }

    /// Waits (bounded) for the coordinator to write the file.
    public static func read(in workDir: URL, waiting seconds: Double) throws -> KeyFile {
        let url = workDir.appendingPathComponent(name)
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                var fields: [String: String] = [:]
                for line in text.split(separator: "\n") {
                    let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                    if parts.count == 2 { fields[parts[0]] = parts[1] }
                }
                guard let c = fields["coordinator_public"], let p = fields["worker_public"], let s = fields["worker_secret"] else {
                    throw TrainingError("\(url.path): not a colad key file", hint: "it is written by `colad coordinator`; start that first, with the same work dir")
                }
                return KeyFile(coordinator: try Z85.decode(c), worker: try CurveKeyPair(z85Public: p, z85Secret: s))
            }
            guard Date() < deadline else {
                throw TrainingError("no \(url.path) after \(Int(seconds)) s: the external coordinator's channel keys",
                                    hint: "start `colad coordinator` with the same --work-dir first (workers read its keys from the shared work dir)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }
}
