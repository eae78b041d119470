// Who is who in one job (DESIGN.md §1): the coordinator (world rank 0, unless an external
// `colad coordinator` runs it), then network A's k replicas, then network B's k replicas.
// Replica A_i and B_i form pair i and read the same images. The single-process Trainer is the
// job with k = 1 and no coordinator rank (its replicas are ranks 0 and 1).
import Config

public struct JobTopology: Equatable, Sendable {
    /// Replicas per network.
    public let k: Int
    public let networks: [NetworkID]
    /// World rank of the coordinator, or nil when it is not an MPI rank.
    public let coordinatorRank: Int?

    public init(k: Int, networks: [NetworkID], coordinatorRank: Int?) {
        precondition(k >= 1 && !networks.isEmpty)
        self.k = k; self.networks = networks; self.coordinatorRank = coordinatorRank
    }

    /// The topology of an MPI world of `worldSize` ranks running `config`.
    public init(worldSize: Int, config: TrainingConfig) throws {
        let networks = ModePlan(config).networks
        let k = try config.distributed.ranksPerNetwork(worldSize: worldSize, networkCount: networks.count)
        self.init(k: k, networks: networks, coordinatorRank: config.distributed.coordinator == nil ? 0 : nil)
    }

    public var worldSize: Int { networks.count * k + (coordinatorRank == nil ? 0 : 1) }

    var firstWorker: Int { coordinatorRank == nil ? 0 : 1 }

    public enum Role: Equatable, Sendable {
        case coordinator
        case worker(network: NetworkID, groupRank: Int)
    }

    public func role(of rank: Int) -> Role {
        if rank == coordinatorRank { return .coordinator }
        let w = rank - firstWorker
        return .worker(network: networks[w / k], groupRank: w % k)
    }

    public func rank(of network: NetworkID, groupRank: Int) -> Int {
        firstWorker + networks.firstIndex(of: network)! * k + groupRank
    }

    /// The other network's replica of the same pair (nil with one network).
    public func peer(of network: NetworkID, groupRank: Int) -> Int? {
        guard networks.count == 2 else { return nil }
        return rank(of: network == .a ? .b : .a, groupRank: groupRank)
    }

    /// Every replica's world rank, network A's first.
    public var workerRanks: [Int] { Array(firstWorker..<(firstWorker + networks.count * k)) }

    /// The world ranks of one network's group, in group-rank order.
    public func ranks(of network: NetworkID) -> [Int] { (0..<k).map { rank(of: network, groupRank: $0) } }
}
