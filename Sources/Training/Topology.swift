// Who is who in one job (DESIGN.md §1): the coordinator (world rank 0, unless an external
// `colad coordinator` runs it), then network A's k_A replicas, then network B's k_B replicas.
// The single-process Trainer is the job with k = 1 and no coordinator rank (its replicas are
// ranks 0 and 1).
//
// The global batch G = train.batch_size × max(k_A, k_B) is the same for both groups (a split
// chosen by cost, RankSplit, fixes G instead); group n's rank g holds the contiguous images
// [g·G/k_n, (g+1)·G/k_n) of it (DistributedSampler). With
// k_A = k_B replica A_i and B_i hold the same images (pair i); otherwise a replica's images are
// spread over one or more replicas of the other group, and what the pair channel carries is
// routed by image ranges (`overlaps`).
import Config

public struct JobTopology: Equatable, Sendable {
    /// Replicas of each network, parallel to `networks`.
    public let counts: [Int]
    public let networks: [NetworkID]
    /// World rank of the coordinator, or nil when it is not an MPI rank.
    public let coordinatorRank: Int?
    /// G when a cost-balanced split fixed it; nil: train.batch_size × k.
    public let fixedGlobalBatch: Int?

    /// Equal groups of `k` replicas.
    public init(k: Int, networks: [NetworkID], coordinatorRank: Int?) {
        self.init(counts: Array(repeating: k, count: networks.count), networks: networks, coordinatorRank: coordinatorRank)
    }

    public init(counts: [Int], networks: [NetworkID], coordinatorRank: Int?, globalBatch: Int? = nil) {
        precondition(!networks.isEmpty && counts.count == networks.count && counts.allSatisfy { $0 >= 1 })
        precondition(globalBatch.map { g in counts.allSatisfy { g % $0 == 0 } } ?? true, "JobTopology: \(counts) do not divide \(globalBatch!)")
        self.counts = counts; self.networks = networks; self.coordinatorRank = coordinatorRank; self.fixedGlobalBatch = globalBatch
    }

    /// The topology of an MPI world of `worldSize` ranks running `config`. Throws when the
    /// world does not fit the configured group sizes, or when a group size does not divide the
    /// global batch.
    public init(worldSize: Int, config: TrainingConfig) throws {
        let networks = ModePlan(config).networks
        let counts = try config.distributed.rankCounts(worldSize: worldSize, networkCount: networks.count)
        self.init(counts: counts, networks: networks, coordinatorRank: config.distributed.coordinator == nil ? 0 : nil)
        let g = globalBatch(batchSize: config.train.batchSize)
        for (n, k) in zip(networks, counts) where g % k != 0 {
            throw ConfigError(keyPath: "distributed.ranks_\(n.rawValue)", value: String(k),
                              message: "\(k) ranks of network \(n.rawValue) cannot share the global batch of \(g) images "
                                  + "(train.batch_size \(config.train.batchSize) × \(self.k) ranks of the larger group)",
                              hint: "choose train.batch_size, distributed.ranks_a and distributed.ranks_b so both rank counts divide the global batch")
        }
    }

    /// The larger group's replica count (the ranks per network when the groups are equal).
    public var k: Int { counts.max()! }

    /// "2 rank(s) per network", or "ranks: a 1, b 3".
    public var ranksDescription: String {
        equalGroups ? "\(k) rank(s) per network" : "ranks: " + zip(networks, counts).map { "\($0.rawValue) \($1)" }.joined(separator: ", ")
    }

    /// Both groups have the same number of replicas (pairs of fixed peers).
    public var equalGroups: Bool { Set(counts).count == 1 }

    /// Replicas of `network`.
    public func count(of network: NetworkID) -> Int { counts[networks.firstIndex(of: network)!] }

    /// G: the images of one iteration, the same for every group (`batchSize` per rank of the
    /// larger group, unless a cost-balanced split fixed it).
    public func globalBatch(batchSize: Int) -> Int { fixedGlobalBatch ?? batchSize * k }

    /// Images per rank of `network`: G / k_n.
    public func batchPerRank(of network: NetworkID, batchSize: Int) -> Int { globalBatch(batchSize: batchSize) / count(of: network) }

    public var worldSize: Int { counts.reduce(0, +) + (coordinatorRank == nil ? 0 : 1) }

    var firstWorker: Int { coordinatorRank == nil ? 0 : 1 }

    public enum Role: Equatable, Sendable {
        case coordinator
        case worker(network: NetworkID, groupRank: Int)
    }

    public func role(of rank: Int) -> Role {
        if rank == coordinatorRank { return .coordinator }
        var w = rank - firstWorker
        for (n, k) in zip(networks, counts) {
            if w < k { return .worker(network: n, groupRank: w) }
            w -= k
        }
        preconditionFailure("JobTopology: rank \(rank) is outside a world of \(worldSize)")
    }

    public func rank(of network: NetworkID, groupRank: Int) -> Int {
        firstWorker + counts[..<networks.firstIndex(of: network)!].reduce(0, +) + groupRank
    }

    /// The other network's replica of the same pair (nil with one network, or unequal groups:
    /// there use `overlaps`).
    public func peer(of network: NetworkID, groupRank: Int) -> Int? {
        guard networks.count == 2, equalGroups else { return nil }
        return rank(of: network == .a ? .b : .a, groupRank: groupRank)
    }

    /// Every replica's world rank, network A's first.
    public var workerRanks: [Int] { Array(firstWorker..<(firstWorker + counts.reduce(0, +))) }

    /// The world ranks of one network's group, in group-rank order.
    public func ranks(of network: NetworkID) -> [Int] { (0..<count(of: network)).map { rank(of: network, groupRank: $0) } }

    // MARK: Routing by image ranges

    /// Where some of a replica's images are held in the other group.
    public struct Overlap: Equatable, Sendable {
        /// The other group's replica (world rank and group rank).
        public var peerRank: Int
        public var peerGroupRank: Int
        /// The shared images as indices into this replica's batch, and into the peer's.
        public var mine: Range<Int>
        public var theirs: Range<Int>
        public init(peerRank: Int, peerGroupRank: Int, mine: Range<Int>, theirs: Range<Int>) {
            self.peerRank = peerRank; self.peerGroupRank = peerGroupRank; self.mine = mine; self.theirs = theirs
        }
    }

    /// The images of `network`'s replica `groupRank` in the global batch.
    public func images(of network: NetworkID, groupRank: Int, batchSize: Int) -> Range<Int> {
        let b = batchPerRank(of: network, batchSize: batchSize)
        return (groupRank * b)..<((groupRank + 1) * b)
    }

    /// The replicas of the other network holding this replica's images, in image order; their
    /// `mine` ranges tile `0..<batchPerRank`. Empty with one network. Equal groups: the one pair peer.
    public func overlaps(of network: NetworkID, groupRank: Int, batchSize: Int) -> [Overlap] {
        guard networks.count == 2 else { return [] }
        let other: NetworkID = network == .a ? .b : .a
        let own = images(of: network, groupRank: groupRank, batchSize: batchSize)
        return (0..<count(of: other)).compactMap { h in
            let theirs = images(of: other, groupRank: h, batchSize: batchSize)
            let shared = max(own.lowerBound, theirs.lowerBound)..<max(min(own.upperBound, theirs.upperBound), max(own.lowerBound, theirs.lowerBound))
            guard !shared.isEmpty else { return nil }
            return Overlap(peerRank: rank(of: other, groupRank: h), peerGroupRank: h,
                           mine: (shared.lowerBound - own.lowerBound)..<(shared.upperBound - own.lowerBound),
                           theirs: (shared.lowerBound - theirs.lowerBound)..<(shared.upperBound - theirs.lowerBound))
        }
    }
}
