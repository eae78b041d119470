/// Where a training run is in the data stream; save it in checkpoints to resume exactly.
public struct SamplerPosition: Codable, Equatable, Hashable, Sendable {
    public var epoch: Int
    /// Iteration within the epoch, `0..<iterationsPerEpoch`.
    public var iteration: Int

    public init(epoch: Int = 0, iteration: Int = 0) {
        self.epoch = epoch
        self.iteration = iteration
    }
}

/// Splits each epoch among the ranks of a data-parallel group.
///
/// Per (seed, epoch) there is one global permutation of `0..<datasetCount` (Fisher–Yates with a
/// keyed `DataRNG`; identity when `shuffle` is false). Iteration t uses the global batch
/// `perm[t·G·B ..< (t+1)·G·B]` (G = groupSize, B = batchPerRank); rank r takes the r-th slice
/// of B entries. The last incomplete global batch is dropped, so every rank runs the same
/// number of iterations and all batches are full; the dropped samples change every epoch.
///
/// Consequences: the shards of one epoch are disjoint; two groups with the same (seed, epoch,
/// groupSize, rank) see the same indices; and one rank with batch 2B sees, per iteration, the
/// concatenation of ranks 0 and 1 with batch B.
public struct DistributedSampler: Sendable {
    public let datasetCount: Int
    public let seed: UInt64
    public let groupSize: Int
    public let groupRank: Int
    public let batchPerRank: Int
    public let shuffle: Bool

    public init(datasetCount: Int, seed: UInt64, groupSize: Int = 1, groupRank: Int = 0,
                batchPerRank: Int, shuffle: Bool = true) throws {
        func invalid(_ field: String, _ value: Int, _ message: String) -> DatasetError {
            DatasetError(file: "sampler", field: field, value: String(value), message: message)
        }
        guard groupSize >= 1 else { throw invalid("groupSize", groupSize, "must be ≥ 1") }
        guard groupRank >= 0, groupRank < groupSize else { throw invalid("groupRank", groupRank, "must be in 0..<\(groupSize)") }
        guard batchPerRank >= 1 else { throw invalid("batchPerRank", batchPerRank, "must be ≥ 1") }
        guard datasetCount >= groupSize * batchPerRank else {
            throw DatasetError(file: "sampler", field: "datasetCount", value: String(datasetCount),
                               message: "fewer samples than one global batch (\(groupSize) × \(batchPerRank))",
                               hint: "use a smaller batch or more data")
        }
        self.datasetCount = datasetCount
        self.seed = seed
        self.groupSize = groupSize
        self.groupRank = groupRank
        self.batchPerRank = batchPerRank
        self.shuffle = shuffle
    }

    /// groupSize × batchPerRank.
    public var globalBatchSize: Int { groupSize * batchPerRank }
    public var iterationsPerEpoch: Int { datasetCount / globalBatchSize }
    /// Samples left out of each epoch (the incomplete last global batch).
    public var droppedPerEpoch: Int { datasetCount % globalBatchSize }

    /// The global order of `epoch`, shared by all ranks.
    public func permutation(epoch: Int) -> [Int] {
        var order = Array(0..<datasetCount)
        guard shuffle else { return order }
        var rng = DataRNG(key: 0x5341_4D50, seed, UInt64(bitPattern: Int64(epoch)))
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, rng.below(i + 1))
        }
        return order
    }

    /// This rank's dataset indices for one iteration. Throws if `iteration` is outside
    /// `0..<iterationsPerEpoch` (e.g. a checkpoint from a run with another batch size).
    public func indices(epoch: Int, iteration: Int) throws -> [Int] {
        rankSlice(of: try globalIndices(at: SamplerPosition(epoch: epoch, iteration: iteration)))
    }

    public func indices(at position: SamplerPosition) throws -> [Int] {
        try indices(epoch: position.epoch, iteration: position.iteration)
    }

    /// Every rank's indices of the iteration at `position`, in rank order (the global batch).
    public func globalIndices(at position: SamplerPosition) throws -> [Int] {
        guard position.iteration >= 0, position.iteration < iterationsPerEpoch else {
            throw DatasetError(file: "sampler", field: "iteration", value: String(position.iteration),
                               message: "outside 0..<\(iterationsPerEpoch) iterations per epoch",
                               hint: "was the position saved with a different dataset size or batch size?")
        }
        let start = position.iteration * globalBatchSize
        return Array(permutation(epoch: position.epoch)[start..<(start + globalBatchSize)])
    }

    /// This rank's part of a global batch (`globalIndices`).
    public func rankSlice(of global: [Int]) -> [Int] {
        precondition(global.count == globalBatchSize, "rankSlice: \(global.count) indices, the global batch is \(globalBatchSize)")
        return Array(global[(groupRank * batchPerRank)..<((groupRank + 1) * batchPerRank)])
    }

    /// All of this rank's batches of `epoch`, in order (one permutation computed).
    public func batches(epoch: Int) -> [[Int]] {
        let order = permutation(epoch: epoch)
        let g = globalBatchSize
        return (0..<iterationsPerEpoch).map { rankSlice(of: Array(order[($0 * g)..<(($0 + 1) * g)])) }
    }

    /// The position after `position` (rolls over to the next epoch).
    public func position(after position: SamplerPosition) -> SamplerPosition {
        position.iteration + 1 < iterationsPerEpoch
            ? SamplerPosition(epoch: position.epoch, iteration: position.iteration + 1)
            : SamplerPosition(epoch: position.epoch + 1, iteration: 0)
    }
}
