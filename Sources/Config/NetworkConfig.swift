/// The backbone family of a network.
public enum BackboneKind: String, CaseIterable, Sendable {
    /// The small GroupNorm ResNet of `stem`, `widths` and `blocks` (the presets, DESIGN.md §6).
    case gnResnet = "gn_resnet"
    /// torchvision's ResNets (the paper's detectors; ImageNet weights via `backbone_weights`).
    case resnet18, resnet34, resnet50, resnet101

    /// The torchvision depth, nil for `gn_resnet`.
    public var depth: Int? { self == .gnResnet ? nil : Int(rawValue.dropFirst("resnet".count)) }
}

/// How a network's 3×3 stride-1 convolutions compute: im2col + one GEMM (the default), or
/// Winograd F(2×2, 3×3) (`winograd`) or F(4×4, 3×3) (`winograd4x4`), faster where channels are
/// wide (Sources/Engine/README.md, Winograd) and rounding differently, so the same seed trains
/// different numbers with each.
public enum Conv3x3Algorithm: String, CaseIterable, Sendable {
    case im2col, winograd, winograd4x4
}

/// The norm layers of a torchvision-layout backbone.
public enum BackboneNorm: String, CaseIterable, Sendable {
    /// BatchNorm frozen to its loaded statistics and affine (mmdet norm_eval; for ImageNet weights).
    case frozenBN = "frozen_bn"
    /// GroupNorm(32), trained (from scratch).
    case gn
}

/// One detector network (DESIGN.md §6): a backbone (the presets' GroupNorm ResNet, or a
/// torchvision ResNet), FPN P3–P5 or P3–P7, shared PAA head. A preset fills the architecture;
/// explicit keys override it. The class count is not here: it comes from the dataset.
public struct NetworkConfig: Equatable, Sendable {
    /// Name of the preset the architecture started from (`tiny`, `small`), or nil when every
    /// architecture field was given explicitly.
    public var preset: String?
    /// Stem conv3×3 stride-2 output channels.
    public var stem: Int
    /// Output channels of the four stages (each starts with a stride-2 BasicBlock).
    public var widths: [Int]
    /// BasicBlocks per stage.
    public var blocks: [Int]
    /// FPN lateral / output channels.
    public var fpnChannels: Int
    /// Head tower channels and number of [conv3×3, GN, ReLU] per tower.
    public var headChannels: Int
    public var headConvs: Int
    /// Weights loaded at start: a `network-*.safetensors` file, a checkpoint directory or a
    /// run's work dir (resolved by `Training.Checkpoint.weightsFile`). Required for the frozen
    /// teacher of lad/soft/solad; optional initialisation otherwise.
    public var checkpoint: String?
    /// Weights in PyTorch layout (docs/weights.md; e.g. written by `colad export` or by
    /// PyTorch) to initialise the network from at start; the alternative to `checkpoint`.
    public var initFrom: String?
    /// Load only the tensors of `initFrom` whose PyTorch names lie under one of these prefixes
    /// (e.g. ["backbone."]); the rest keep colad's initialisation. Empty: every tensor.
    public var initPrefixes: [String]
    /// The backbone family; `stem`, `widths`, `blocks` apply to `gn_resnet` only.
    public var backbone: BackboneKind = .gnResnet
    /// Norm layers of a torchvision backbone.
    public var backboneNorm: BackboneNorm = .frozenBN
    /// Frozen stages of a torchvision backbone (mmdet frozen_stages): −1 none, 0 the stem,
    /// k the stem and layer1…layerk. The reference freezes 1.
    public var frozenStages: Int = 1
    /// A torchvision ResNet state dict (safetensors) to initialise a torchvision backbone from.
    public var backboneWeights: String?
    /// Pyramid levels: 3 (P3–P5) or 5 (P3–P7, the reference).
    public var fpnLevels: Int = 3
    /// GroupNorm groups of the head towers, min(gn_groups, channels); the reference uses 32.
    public var gnGroups: Int = 8
    /// How the 3×3 stride-1 convolutions compute (not part of the architecture: same
    /// parameters, different rounding).
    public var conv3x3: Conv3x3Algorithm = .im2col

    public init(stem: Int, widths: [Int], blocks: [Int], fpnChannels: Int = 64,
                headChannels: Int = 64, headConvs: Int = 2, preset: String? = nil,
                checkpoint: String? = nil, initFrom: String? = nil, initPrefixes: [String] = []) {
        self.preset = preset; self.stem = stem; self.widths = widths; self.blocks = blocks
        self.fpnChannels = fpnChannels; self.headChannels = headChannels; self.headConvs = headConvs
        self.checkpoint = checkpoint; self.initFrom = initFrom; self.initPrefixes = initPrefixes
    }

    /// A short name for logs: the torchvision backbone, else the preset, else "custom".
    public var label: String { backbone != .gnResnet ? backbone.rawValue : preset ?? "custom" }

    /// The preset's architecture, or nil for an unknown name.
    public static func preset(_ name: String, checkpoint: String? = nil) -> NetworkConfig? {
        guard var n = presets.first(where: { $0.name == name })?.network else { return nil }
        n.checkpoint = checkpoint
        return n
    }

    /// Presets are data (DESIGN.md §6). Add a row to add a preset.
    public static let presets: [(name: String, network: NetworkConfig)] = [
        ("tiny", NetworkConfig(stem: 16, widths: [16, 32, 64, 128], blocks: [1, 1, 1, 1], preset: "tiny")),
        ("small", NetworkConfig(stem: 32, widths: [32, 64, 128, 256], blocks: [2, 2, 2, 2], preset: "small")),
    ]

    static var presetNames: [String] { presets.map(\.name) }
}
