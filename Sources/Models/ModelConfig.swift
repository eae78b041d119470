import Engine

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
    /// A torchvision-layout ResNet backbone (the paper's detectors); nil: the GroupNorm ResNet
    /// of `stem`, `widths` and `blocks` (the presets).
    public var resnet: ResNetSpec?
    /// Pyramid levels: 3 (P3–P5) or 5 (P3–P7, P6 and P7 by stride-2 convs on P5's output).
    public var levels: Int
    /// GroupNorm groups of the head towers (min(gnGroups, channels)); the reference uses 32.
    public var gnGroups: Int
    /// How the 3×3 stride-1 convolutions compute (Engine's Conv2D, SharedInputConv2D included).
    public var conv3x3: ConvAlgorithm = .im2col

    public init(stem: Int, widths: [Int], blocks: [Int], fpnChannels: Int = 64, headChannels: Int = 64,
                headConvs: Int = 2, numClasses: Int, resnet: ResNetSpec? = nil, levels: Int = 3, gnGroups: Int = 8,
                conv3x3: ConvAlgorithm = .im2col) {
        self.stem = stem; self.widths = widths; self.blocks = blocks
        self.fpnChannels = fpnChannels; self.headChannels = headChannels; self.headConvs = headConvs
        self.numClasses = numClasses; self.resnet = resnet; self.levels = levels; self.gnGroups = gnGroups
        self.conv3x3 = conv3x3
    }

    /// Strides of P3 … P7; a network uses the first `levels` of them.
    public static let pyramidStrides = [8, 16, 32, 64, 128]
    /// Strides of this network's pyramid levels.
    public var strides: [Int] { Array(Self.pyramidStrides.prefix(levels)) }
    /// Channels of C3, C4, C5.
    public var backboneChannels: [Int] { resnet?.outChannels ?? Array(widths.suffix(3)) }
}

/// GroupNorm uses min(8, channels) groups (DESIGN.md §6).
@inline(__always) func gnGroups(_ channels: Int) -> Int { min(8, channels) }
