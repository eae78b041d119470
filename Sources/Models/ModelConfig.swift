/// The architecture of one detector, as data (DESIGN.md §6). The presets (`tiny`, `small`) are
/// rows of `Config.NetworkConfig.presets`; `Training` maps a configured network to this type.
public struct ModelConfig: Codable, Equatable {
    /// Stem conv3×3 stride-2 output channels.
    public var stem: Int
    /// Output channels of the four backbone stages (each starts with a stride-2 BasicBlock).
    public var widths: [Int]
    /// BasicBlocks per stage.
    public var blocks: [Int]
    /// FPN channels (lateral 1×1 and output 3×3 convs).
    public var fpnChannels: Int
    /// Head tower channels and depth ([conv3×3, GN, ReLU] × headConvs per tower).
    public var headChannels: Int
    public var headConvs: Int
    /// Number of object classes C (sigmoid classification, no background channel).
    public var numClasses: Int

    public init(stem: Int, widths: [Int], blocks: [Int], fpnChannels: Int = 64, headChannels: Int = 64,
                headConvs: Int = 2, numClasses: Int) {
        self.stem = stem; self.widths = widths; self.blocks = blocks
        self.fpnChannels = fpnChannels; self.headChannels = headChannels; self.headConvs = headConvs
        self.numClasses = numClasses
    }

    /// Strides of the pyramid levels P3, P4, P5.
    public static let strides = [8, 16, 32]
}

/// GroupNorm uses min(8, channels) groups (DESIGN.md §6).
@inline(__always) func gnGroups(_ channels: Int) -> Int { min(8, channels) }
