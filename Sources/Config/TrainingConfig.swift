/// One training job: what to train (mode, networks), on what (data, anchors), how (schedule,
/// losses, CoLAD rule), where (distributed settings, work dir) and how to evaluate it.
///
/// One schema for every mode; the YAML keys are the snake_case forms of these properties and
/// are documented field by field in `configs/README.md`. Build it with `load(file:overrides:)`
/// (or `parse(yaml:)`), which fills every default and validates; write `resolvedYAML()` to the
/// work dir; a config built in code can be checked with `validate()`.
///
/// Roles of the two networks (DESIGN.md §2):
///
/// | mode | network_a | network_b |
/// |---|---|---|
/// | baseline | trained with its own PAA assignment | — |
/// | lad, soft, solad | frozen teacher loaded from `network_a.checkpoint` | the student |
/// | colad | trained | trained; the CoLAD rule picks the teacher per iteration (or object) |
public struct TrainingConfig: Equatable, Sendable {
    /// Run name; the default work dir is `work-dirs/<name>`. Letters, digits, `.`, `_`, `-`.
    public var name: String
    /// Seed of the training run (initialisation, sampler order, augmentation draws).
    public var seed: Int
    public var mode: Mode
    public var networkA: NetworkConfig
    /// Required by every mode except `baseline`, where it must be absent.
    public var networkB: NetworkConfig?
    public var anchors: AnchorConfig
    public var data: DataConfig
    public var train: ScheduleConfig
    public var loss: LossConfig
    public var colad: CoLADConfig
    public var distributed: DistributedConfig
    public var eval: EvalConfig
    public var monitor: MonitorConfig
    /// Where the resolved config, metrics, checkpoints, eval results and logs go.
    public var workDir: String

    /// A config with every default filled for `mode` (the same defaults `load` uses). Call
    /// `validate()` after changing fields.
    public init(name: String, mode: Mode, networkA: NetworkConfig, networkB: NetworkConfig? = nil,
                iterations: Int, seed: Int = 0) {
        self.name = name
        self.seed = seed
        self.mode = mode
        self.networkA = networkA
        self.networkB = networkB
        self.anchors = AnchorConfig()
        // One stride per pyramid level of the networks (P3 … P7).
        self.anchors.strides = Array([8, 16, 32, 64, 128].prefix(networkA.fpnLevels))
        self.data = DataConfig()
        self.train = ScheduleConfig(iterations: iterations)
        self.loss = LossConfig(mode: mode)
        self.colad = CoLADConfig()
        self.distributed = DistributedConfig()
        self.eval = EvalConfig(mode: mode)
        self.monitor = MonitorConfig()
        self.workDir = TrainingConfig.defaultWorkDir(name: name)
    }

    public static func defaultWorkDir(name: String) -> String { "work-dirs/\(name)" }

    public func network(_ id: NetworkID) -> NetworkConfig? {
        switch id {
        case .a: return networkA
        case .b: return networkB
        }
    }
}

/// The training mode (DESIGN.md §2, SPEC §7–§9).
public enum Mode: String, CaseIterable, Sendable {
    /// One network trained with its own PAA assignment.
    case baseline
    /// Label assignment distillation: a frozen teacher (network A) assigns, B learns.
    case lad
    /// Soft-label KD: B learns only from A's scores and boxes (SPEC §8, λ_cls 10, min_iou 0.1).
    case soft
    /// LAD losses plus soft-label KD from the same frozen teacher (λ_cls 2, min_iou 0.5).
    case solad
    /// Co-learning LAD: both networks train; the CoLAD rule decides who assigns.
    case colad
}

/// Network A or B (the two groups of DESIGN.md §1).
public enum NetworkID: String, CaseIterable, Sendable {
    case a, b
}
