// The sections of TrainingConfig below the networks. Every stored property is a YAML key
// (snake_case, declared in Keys.swift); defaults are the ones `load` fills. Ranges are checked
// by `validate()`.

/// Anchor layout shared by both networks (SPEC §0, §1): one square anchor per location.
public struct AnchorConfig: Equatable, Sendable {
    /// Pyramid level strides: [8, 16, 32] for P3–P5, [8, 16, 32, 64, 128] for P3–P7 (the default
    /// follows network_a.fpn_levels); they must be the networks' own.
    public var strides: [Int] = [8, 16, 32]
    /// Anchor side = scale · stride (the reference uses 8 on COCO). 2 covers the built-in
    /// dataset's 8–100 px objects (docs/ARCHITECTURE.md: with 4, 16% of objects get < 2 candidates).
    public var scale: Double = 2
    /// Anchor centre of cell (i, j) = ((j + offset)·s, (i + offset)·s); the reference uses 0.
    public var centerOffset: Double = 0

    public init() {}
}

public enum DatasetKind: String, CaseIterable, Sendable {
    /// The procedural shapes dataset (Datasets' `SyntheticDataset`), generated on demand.
    case builtin
    /// COCO-format annotations plus an image directory, for train and val.
    case coco
}

/// How images are resized for the network (Datasets' `Preprocess.Resize`).
public enum ResizeKind: String, CaseIterable, Sendable {
    /// Fit the longer side to image_size and pad to image_size × image_size (colad's presets).
    case square
    /// The reference: keep the aspect ratio within max_size × short_side (short side drawn from
    /// short_side_range when training), pad each batch to a multiple of 32.
    case keepRatio = "keep_ratio"
}

/// Where images come from and how they are prepared.
public struct DataConfig: Equatable, Sendable {
    public var dataset: DatasetKind = .builtin
    /// Built-in dataset: images in the train / val splits and the generator's seed (independent
    /// of the training seed, so runs with different seeds see the same images).
    public var trainSize: Int = 4000
    public var valSize: Int = 500
    public var seed: Int = 0
    /// square: images are resized to fit and letterboxed to image_size × image_size (a
    /// multiple of 32). Also the built-in dataset's image side.
    public var imageSize: Int = 128
    public var resize: ResizeKind = .square
    /// keep_ratio: longer side ≤ max_size, shorter side ≤ short_side (the reference's 1333, 800).
    public var maxSize: Int = 1333
    public var shortSide: Int = 800
    /// keep_ratio, training only: [lo, hi] draws each image's short side uniformly from lo…hi
    /// (multi-scale training); [] = short_side.
    public var shortSideRange: [Int] = []
    /// COCO dataset: annotation JSON files and image directories (all four required for coco).
    public var trainAnnotations: String?
    public var trainImages: String?
    public var valAnnotations: String?
    public var valImages: String?
    /// Random horizontal flip (p = 0.5) of training images.
    public var flip: Bool = true
    /// COCO: skip invalid images/annotations (listed as warnings) instead of failing.
    public var skipInvalid: Bool = false

    public init() {}
}

/// Optimiser and schedule (SPEC §11): SGD with momentum, linear warm-up, step decay.
/// `train` in YAML.
public struct ScheduleConfig: Equatable, Sendable {
    /// Images per rank per iteration; the global batch is batch_size × ranks per network.
    public var batchSize: Int = 8
    /// Total iterations (required).
    public var iterations: Int
    /// Base learning rate (not scaled with the number of ranks).
    public var lr: Double = 0.01
    public var momentum: Double = 0.9
    public var weightDecay: Double = 1e-4
    /// Linear warm-up from warmup_ratio·lr to lr over the first warmup_iters iterations.
    public var warmupIters: Int
    public var warmupRatio: Double = 0.001
    /// Iterations (counted from 0) from which lr is multiplied by lr_gamma once more.
    public var lrSteps: [Int]
    public var lrGamma: Double = 0.1
    /// Clip the global gradient norm of each network to this value; nil = no clipping.
    public var clipGradNorm: Double?
    /// Log a metrics line every log_every iterations.
    public var logEvery: Int = 20
    /// Evaluate every eval_every iterations; nil = only after the last iteration.
    public var evalEvery: Int?
    /// Save a checkpoint every checkpoint_every iterations (and always at the end); nil = only
    /// at the end.
    public var checkpointEvery: Int? = 500
    /// Keep the newest keep_checkpoints checkpoints; nil = keep all.
    public var keepCheckpoints: Int? = 3

    public init(iterations: Int) {
        self.iterations = iterations
        self.warmupIters = ScheduleConfig.defaultWarmupIters(iterations: iterations)
        self.lrSteps = ScheduleConfig.defaultLRSteps(iterations: iterations)
    }

    /// Default warm-up: 15 % of the run, at most 500 (the reference's 500 iterations).
    public static func defaultWarmupIters(iterations: Int) -> Int {
        min(500, max(0, (iterations * 15) / 100))
    }

    /// Default steps: at 70 % and 90 % of the run (the 1x schedule's epochs 8 and 11 of 12,
    /// rounded), dropping steps that would fall on iteration 0 or coincide.
    public static func defaultLRSteps(iterations: Int) -> [Int] {
        var steps: [Int] = []
        for s in [(iterations * 7) / 10, (iterations * 9) / 10] where s > 0 && s < iterations && !steps.contains(s) {
            steps.append(s)
        }
        return steps
    }
}

/// Which §4 loss the hard-label branch uses.
public enum LossVariant: String, CaseIterable, Sendable {
    /// Baseline PAA: box loss weighted by the IoU target, divided by Σ IoU.
    case paa
    /// LAD/CoLAD (`loss_wo_la`): unweighted box loss divided by N_pos.
    case lad
}

/// Losses. The KD block is used by the soft and solad modes only.
public struct LossConfig: Equatable, Sendable {
    /// Default: paa for baseline, lad for every distillation mode.
    public var variant: LossVariant
    public var kd: KDConfig

    public init(mode: Mode) {
        variant = mode == .baseline ? .paa : .lad
        kd = KDConfig(mode: mode)
    }
}

/// Soft-label KD (SPEC §8, `FocalKLLoss` with use_pred_bbox).
public struct KDConfig: Equatable, Sendable {
    /// λ_cls of the dense KL cls term (soft 10, solad 2).
    public var clsWeight: Double
    public var iouWeight: Double = 10
    public var boxWeight: Double = 1.3
    /// Focal exponent γ of |t − p|^γ.
    public var gamma: Double = 0.5
    /// Region R: anchors whose teacher box has IoU > min_iou with some GT (soft 0.1, solad 0.5).
    public var minIoU: Double

    /// SPEC §8 values: solad λ_cls 2 and min_iou 0.5; every other mode the pure soft-label ones.
    public init(mode: Mode) {
        clsWeight = mode == .solad ? 2 : 10
        minIoU = mode == .solad ? 0.5 : 0.1
    }
}

/// The CoLAD switching rule (DESIGN.md §2, SPEC §9).
public enum CoLADRule: String, CaseIterable, Sendable {
    /// The larger coefficient of variation std/mean wins; one candidate → the lower mean wins.
    case stdMean = "std-mean"
    /// The lower mean cost wins.
    case mean
    /// Plain LAD with a fixed teacher (both networks still train).
    case fixedA = "fixed-a"
    case fixedB = "fixed-b"
}

public enum Granularity: String, CaseIterable, Sendable {
    /// One teacher per iteration, decided by the coordinator from the global batch's statistics.
    case iteration
    /// Per image, object and pyramid level (the reference behaviour).
    case object
}

public struct CoLADConfig: Equatable, Sendable {
    public var rule: CoLADRule = .stdMean
    public var granularity: Granularity = .iteration

    public init() {}
}

/// Multi-process settings (DESIGN.md §1, §3, §4). Ignored by the single-process reference.
public struct DistributedConfig: Equatable, Sendable {
    /// Worker ranks per network; nil = split the worker ranks evenly (see `ranksPerNetwork`).
    public var ranksPerNetwork: Int?
    /// Unequal groups: worker ranks of network A / B (set both, or one and the other is the
    /// rest of the workers); exclusive with `ranksPerNetwork`. See `rankCounts`.
    public var ranksA: Int?
    public var ranksB: Int?
    /// Endpoint of an external `colad coordinator` (tcp://HOST:PORT or ipc://PATH); nil = world
    /// rank 0 is the coordinator.
    public var coordinator: String?
    /// Where the coordinator answers status queries; port 0 = any free port (it is logged and
    /// written to the work dir). Loopback by default.
    public var statusBind: String = "tcp://127.0.0.1:0"
    /// Longest wait for any peer before the job fails naming the rank.
    public var timeoutSeconds: Double = 30
    /// Heartbeat interval (must be below timeout_seconds).
    public var heartbeatSeconds: Double = 2
    /// ZMQ_MAXMSGSIZE for every socket.
    public var maxMessageBytes: Int = 64 << 20
    /// Threads per network chosen at start-up so unequal networks finish together
    /// (Training/ThreadBalance.swift); false: COLAD_THREADS / OPENBLAS_NUM_THREADS as given.
    public var balance = true
    /// Explicit threads of network A's / B's ranks (override the balance and the environment).
    public var threadsA: Int?
    public var threadsB: Int?

    public init() {}

    /// Worker ranks per network for a job of `worldSize` MPI ranks with `networkCount` networks
    /// (1 for baseline, 2 otherwise). A world of 1 is the single-process reference (returns 1).
    /// Otherwise the workers are the world minus the coordinator rank (none when `coordinator`
    /// names an external one) and must fill `networkCount` groups of equal size.
    public func ranksPerNetwork(worldSize: Int, networkCount: Int) throws -> Int {
        precondition(worldSize >= 1 && networkCount >= 1)
        if worldSize == 1 && coordinator == nil { return 1 }
        let workers = worldSize - (coordinator == nil ? 1 : 0)
        let k = ranksPerNetwork ?? workers / networkCount
        let coordinatorNote = coordinator == nil ? " plus 1 coordinator rank" : ""
        guard k >= 1, k * networkCount == workers else {
            let sizes = (1...3).map { String($0 * networkCount + (coordinator == nil ? 1 : 0)) }.joined(separator: ", ")
            let expected = ranksPerNetwork.map { "\($0 * networkCount)" } ?? "a multiple of \(networkCount)"
            throw ConfigError(keyPath: "distributed.ranks_per_network", value: ranksPerNetwork.map(String.init),
                              message: "a world of \(worldSize) ranks has \(workers) worker ranks; "
                                  + "\(networkCount) network(s) need \(expected)\(coordinatorNote)",
                              hint: ranksPerNetwork == nil ? "run with -np \(sizes), …"
                                  : "run with -np \(k * networkCount + (coordinator == nil ? 1 : 0))")
        }
        return k
    }

    /// Worker ranks of each network (A first) for a job of `worldSize` MPI ranks. Without
    /// `ranksA`/`ranksB` this is `ranksPerNetwork` for every network. With them (two networks
    /// only), the given counts, a missing one being the rest of the workers. (Whether both
    /// divide the global batch is the topology's check: it knows the batch size.)
    public func rankCounts(worldSize: Int, networkCount: Int) throws -> [Int] {
        guard ranksA != nil || ranksB != nil else {
            let k = try ranksPerNetwork(worldSize: worldSize, networkCount: networkCount)
            return Array(repeating: k, count: networkCount)
        }
        let key = ranksA != nil ? "distributed.ranks_a" : "distributed.ranks_b"
        let shown = [ranksA.map { "ranks_a \($0)" }, ranksB.map { "ranks_b \($0)" }].compactMap { $0 }.joined(separator: ", ")
        guard networkCount == 2 else {
            throw ConfigError(keyPath: key, value: shown, message: "unequal rank counts need two networks; this mode trains one",
                              hint: "use distributed.ranks_per_network")
        }
        guard ranksPerNetwork == nil else {
            throw ConfigError(keyPath: key, value: shown, message: "is set together with distributed.ranks_per_network",
                              hint: "set either ranks_per_network (equal groups) or ranks_a / ranks_b")
        }
        let workers = worldSize - (coordinator == nil ? 1 : 0)
        let a = ranksA ?? workers - ranksB!, b = ranksB ?? workers - ranksA!
        guard a >= 1, b >= 1, a + b == workers else {
            throw ConfigError(keyPath: key, value: shown,
                              message: "a world of \(worldSize) ranks has \(workers) worker ranks; ranks_a \(a) + ranks_b \(b) do not fill it",
                              hint: "run with -np \(max(a, 1) + max(b, 1) + (coordinator == nil ? 1 : 0))")
        }
        return [a, b]
    }
}

/// What a run shows while it runs, besides metrics.jsonl (docs/observability.md). None of it
/// changes the numbers, so it is left out of the config hash: a resumed run may change it.
public struct MonitorConfig: Equatable, Sendable {
    /// TensorBoard event files in the work dir.
    public var tensorboard = true
    /// WORK_DIR/trace.json (Chrome trace format): one track per rank, a span per phase.
    public var trace = false
    /// Spans kept in trace.json; later ones are dropped (and counted).
    public var traceMaxEvents = 200_000
    /// Prometheus/OpenMetrics `/metrics` of a distributed job's coordinator; nil = off, 0 = any free port.
    public var prometheusPort: Int?
    /// The address `/metrics` listens on (loopback by default; 0.0.0.0 for every interface).
    public var prometheusHost = "127.0.0.1"

    public init() {}
}

/// Which network(s) to evaluate.
public enum EvalNetwork: String, CaseIterable, Sendable {
    case a, b, both

    public var ids: [NetworkID] {
        switch self {
        case .a: return [.a]
        case .b: return [.b]
        case .both: return [.a, .b]
        }
    }
}

/// Inference settings (SPEC §6 test_cfg) and which network to evaluate.
public struct EvalConfig: Equatable, Sendable {
    /// Keep (anchor, class) pairs with score √(p·q) above this.
    public var scoreThreshold: Double = 0.05
    /// Per-class NMS suppresses when IoU > nms_iou.
    public var nmsIoU: Double = 0.6
    /// Top anchors kept per level before NMS.
    public var nmsPre: Int = 1000
    public var maxPerImage: Int = 100
    public var scoreVoting: Bool = true
    /// Default: a for baseline, b (the student) for lad/soft/solad, both for colad.
    public var network: EvalNetwork

    public init(mode: Mode) {
        switch mode {
        case .baseline: network = .a
        case .lad, .soft, .solad: network = .b
        case .colad: network = .both
        }
    }
}
