/// One detector network (DESIGN.md §6): GroupNorm ResNet backbone (stem + four stages), FPN
/// P3–P5, shared PAA head. A preset fills the architecture; explicit keys override it.
/// The class count is not here: it comes from the dataset.
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

    public init(stem: Int, widths: [Int], blocks: [Int], fpnChannels: Int = 64,
                headChannels: Int = 64, headConvs: Int = 2, preset: String? = nil,
                checkpoint: String? = nil, initFrom: String? = nil, initPrefixes: [String] = []) {
        self.preset = preset; self.stem = stem; self.widths = widths; self.blocks = blocks
        self.fpnChannels = fpnChannels; self.headChannels = headChannels; self.headConvs = headConvs
        self.checkpoint = checkpoint; self.initFrom = initFrom; self.initPrefixes = initPrefixes
    }

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
