// Batches for one rank: dataset → distributed sampler → preprocessing. Pair i of the two
// networks builds identical feeds (same seed, epoch and group rank), so both see the same
// images with the same flips (DESIGN.md §1).
import Config
import Datasets
import Detection
import Engine
import Evaluation
import Foundation

/// Opens the dataset a config names for a split. A COCO training set must have annotations
/// (`COCODataset.requireAnnotations`); an evaluation set may have none.
public func openDataset(_ config: DataConfig, split: Split) throws -> any DetectionDataset {
    switch config.dataset {
    case .builtin:
        var s = SyntheticConfig()
        s.seed = UInt64(config.seed)
        s.trainCount = config.trainSize
        s.valCount = config.valSize
        s.imageSize = config.imageSize
        return try SyntheticDataset(config: s, split: split)
    case .coco:
        let (ann, img) = split == .train ? (config.trainAnnotations, config.trainImages) : (config.valAnnotations, config.valImages)
        guard let ann, let img else {
            throw TrainingError("data.\(split)_annotations / data.\(split)_images are not set",
                                hint: "a coco dataset needs annotation and image paths for train and val")
        }
        let dataset = try COCODataset(annotationFile: URL(fileURLWithPath: ann), imageDirectory: URL(fileURLWithPath: img),
                                      skipInvalid: config.skipInvalid)
        if split == .train { try dataset.requireAnnotations() }
        return dataset
    }
}

/// COCO category id of contiguous class `index` for a dataset.
public func categoryId(_ dataset: any DetectionDataset, classIndex: Int) -> Int {
    (dataset as? COCODataset)?.categoryId(forClass: classIndex) ?? classIndex + 1
}

/// Ground truth of a whole dataset split for the evaluator (boxes in original image coordinates).
public func groundTruth(of dataset: any DetectionDataset) throws -> GroundTruth {
    var images: [GroundTruth.Image] = [], annotations: [GroundTruth.Annotation] = []
    var nextId = 1
    for i in 0..<dataset.count {
        let s = try dataset.load(i)
        images.append(.init(id: s.imageId, width: s.image.width, height: s.image.height))
        for (k, b) in s.boxes.enumerated() {
            let box = COCOBox(x: Double(b.x1), y: Double(b.y1), width: Double(b.x2 - b.x1), height: Double(b.y2 - b.y1))
            annotations.append(.init(id: nextId, imageId: s.imageId, categoryId: categoryId(dataset, classIndex: s.labels[k]),
                                     bbox: box, isCrowd: s.crowd[k]))
            nextId += 1
        }
    }
    let categories = dataset.classNames.indices.map { GroundTruth.Category(id: categoryId(dataset, classIndex: $0), name: dataset.classNames[$0]) }
    return GroundTruth(images: images, annotations: annotations, categories: categories)
}

/// The batches of one data-parallel rank: `batch(at:)` is a pure function of the sampler
/// position (seed, epoch, group rank), so the two replicas of a pair read the same images. The
/// last batch is kept, so the replicas of a single-process job that share one feed load it once.
///
/// With `prefetch` (what Trainer and the distributed ranks use), handing out the batch at p starts
/// preparing the batch at p's successor on a thread of its own in the scheduler's idle class
/// (IdleWorker): decoding and resizing fill the cores' idle moments of the step instead of
/// preceding it, and never take a core from compute; what is not done when the step asks for the
/// batch, the step's thread decodes beside it (PendingBatch). The `data` span measures only that
/// remainder. The batch is the same pure function of its position: numbers do not change.
/// Measured (2-core VM, paired alternating runs, 2026-12-01): paa-tiny at 2 threads, data 6.2–9.8
/// → 2.6–4.7 ms, iteration wall time ratio median 0.87 over 8 pairs (0.75–1.14: the VM is noisy);
/// CoLAD tiny + small 1 + 1 ranks, data 6.6–9.1 → 0.1 ms, 33.9–36.0 → 34.7–38.7 images/s (a
/// normal-priority prefetch thread had cost 17 % there, and was enabled only with a spare core).
public final class DataFeed {
    public let dataset: any DetectionDataset
    public let sampler: DistributedSampler
    public let preprocess: Preprocess
    public let prefetch: Bool
    private var last: (position: SamplerPosition, batch: PreparedBatch)?
    private var pending: (position: SamplerPosition, result: PendingBatch)?
    private let loader = IdleWorker(name: "colad.data-prefetch")

    /// `batchPerRank`: G / groupSize (JobTopology.batchPerRank); nil: train.batch_size.
    public init(dataset: any DetectionDataset, config: TrainingConfig, groupSize: Int = 1, groupRank: Int = 0, batchPerRank: Int? = nil,
                prefetch: Bool = false) throws {
        self.dataset = dataset
        self.prefetch = prefetch
        sampler = try DistributedSampler(datasetCount: dataset.count, seed: UInt64(config.seed), groupSize: groupSize,
                                         groupRank: groupRank, batchPerRank: batchPerRank ?? config.train.batchSize, shuffle: true)
        preprocess = Preprocess(config.data, training: true, seed: UInt64(config.seed))
        try preprocess.validate()
    }

    deinit { loader.stop() }

    /// The batch at `position`, padded to its global batch's canvas.
    public func batch(at position: SamplerPosition) throws -> PreparedBatch {
        if let last, last.position == position { return last.batch }
        let batch: PreparedBatch
        if let pending, pending.position == position {
            batch = try pending.result.wait()
        } else {
            batch = try make(position)   // a jump (first batch, resume): a pending batch finishes unseen
        }
        pending = nil
        last = (position, batch)
        if prefetch {
            let next = try work(position: sampler.position(after: position))
            loader.async { next.work() }
            pending = (next.position, next)
        }
        return batch
    }

    /// Loads and prepares the batch at `position` on this thread.
    private func make(_ position: SamplerPosition) throws -> PreparedBatch {
        try work(position: position).wait()
    }

    /// The batch at `position` as work any thread can share (reads only immutable state).
    private func work(position: SamplerPosition) throws -> PendingBatch {
        let global = try sampler.globalIndices(at: position)
        let indices = sampler.rankSlice(of: global)
        // The closures hold the dataset and the preprocessing, not the feed: a pending batch the
        // feed keeps must not keep the feed (and its prefetch thread) alive.
        return PendingBatch(position: position, count: indices.count, load: { [dataset] k in try dataset.load(indices[k]) },
                            prepare: { [dataset, preprocess] samples in
                                try preprocess.prepare(samples, indices: indices, epoch: position.epoch,
                                                       canvas: try Self.canvas(ofGlobalBatch: global, epoch: position.epoch,
                                                                               dataset: dataset, preprocess: preprocess)) })
    }

    /// The input canvas of the iteration at `position`: with keep-ratio resizing the largest
    /// resized extent of the whole global batch (every rank of both networks), computed from the
    /// dataset's recorded image sizes and the per-image draws, so that every rank pads to the
    /// shape the single-process reference uses at the same global batch.
    public func canvas(at position: SamplerPosition) throws -> (height: Int, width: Int) {
        try Self.canvas(ofGlobalBatch: sampler.globalIndices(at: position), epoch: position.epoch, dataset: dataset, preprocess: preprocess)
    }

    private static func canvas(ofGlobalBatch global: [Int], epoch: Int, dataset: any DetectionDataset,
                               preprocess: Preprocess) throws -> (height: Int, width: Int) {
        guard case .keepRatio = preprocess.resize else { return preprocess.canvas(forExtents: []) }
        let extents = try global.map { i -> (width: Int, height: Int) in
            let size = try dataset.imageSize(i)
            let e = preprocess.resizedExtent(width: size.width, height: size.height, epoch: epoch, index: i)
            return (e.width, e.height)
        }
        return preprocess.canvas(forExtents: extents)
    }
}

/// A batch being prepared, shared by the prefetch thread and the step's thread: each claims the
/// next image nobody has started and decodes it; whoever decodes the last one prepares the batch
/// (resize, pad, boxes). The prefetch thread works in the idle class, so when the step asks for
/// the batch before it is done, `wait` decodes the unclaimed images itself, beside the prefetch
/// thread, which then has a core free. Images are kept in batch order: the result is the same
/// whichever thread did what.
private final class PendingBatch: @unchecked Sendable {
    let position: SamplerPosition
    private let condition = NSCondition()
    private let count: Int
    private let load: (Int) throws -> Sample
    private let prepare: ([Sample]) throws -> PreparedBatch
    private var claimed = 0, loaded = 0
    private var samples: [Sample?]
    /// Failed loads by image; the batch's error is the first image's, as a sequential load's.
    private var failures: [Int: Error] = [:]
    private var result: Result<PreparedBatch, Error>?

    init(position: SamplerPosition, count: Int, load: @escaping (Int) throws -> Sample,
         prepare: @escaping ([Sample]) throws -> PreparedBatch) {
        self.position = position; self.count = count; self.load = load; self.prepare = prepare
        samples = Array(repeating: nil, count: count)
        if count == 0 { result = Result { try prepare([]) } }
    }

    /// Decodes unclaimed images until none is left; prepares the batch after the last one.
    func work() {
        while true {
            condition.lock()
            guard claimed < count else { condition.unlock(); return }
            let k = claimed
            claimed += 1
            condition.unlock()
            let sample = Result { try load(k) }
            condition.lock()
            switch sample {
            case .success(let s): samples[k] = s
            case .failure(let e): failures[k] = e
            }
            loaded += 1
            let last = loaded == count
            condition.unlock()
            if last {   // every other load is done: no lock needed to read them
                let r = failures.min { $0.key < $1.key }.map { Result<PreparedBatch, Error>.failure($0.value) }
                    ?? Result { try prepare(samples.map { $0! }) }
                condition.lock(); result = r; condition.broadcast(); condition.unlock()
            }
        }
    }

    /// The batch (rethrowing a load's or the preparation's error): decodes what nobody has
    /// started, then waits for the rest.
    func wait() throws -> PreparedBatch {
        work()
        condition.lock()
        while result == nil { condition.wait() }
        let r = result!
        condition.unlock()
        return try r.get()
    }
}
