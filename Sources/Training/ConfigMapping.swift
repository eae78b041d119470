// The one place where the YAML schema (Config) is turned into the runtime types of the lower
// layers (Models, PAA, Inference), so the trainer and the CLI cannot map a field differently.
import Config
import Datasets
import Distillation
import Engine
import Inference
import Models
import PAA

extension ModelConfig {
    /// The architecture of a configured network for a dataset with `numClasses` classes.
    public init(_ n: NetworkConfig, numClasses: Int) {
        let resnet = n.backbone.depth.map {
            ResNetSpec.depth($0, norm: n.backboneNorm == .gn ? .groupNorm : .frozenBN, frozenStages: n.frozenStages)!
        }
        self.init(stem: n.stem, widths: n.widths, blocks: n.blocks, fpnChannels: n.fpnChannels,
                  headChannels: n.headChannels, headConvs: n.headConvs, numClasses: numClasses,
                  resnet: resnet, levels: n.fpnLevels, gnGroups: n.gnGroups,
                  conv3x3: ConvAlgorithm(rawValue: n.conv3x3.rawValue)!)   // Config's enum names Engine's cases
    }
}

extension NetworkConfig {
    /// The fields that decide the parameters' shapes, e.g. `stem 16 widths 16,32,64,128 blocks
    /// 1,1,1,1 fpn 64 head 64x2` (whatever preset, checkpoint or init file named them).
    public var architecture: String {
        let backbone = self.backbone == .gnResnet
            ? "stem \(stem) widths \(widths.map(String.init).joined(separator: ",")) blocks \(blocks.map(String.init).joined(separator: ","))"
            : "\(self.backbone.rawValue) \(backboneNorm.rawValue) frozen_stages \(frozenStages)"
        let pyramid = fpnLevels == 3 ? "" : " levels \(fpnLevels)"
        let groups = gnGroups == 8 ? "" : " gn \(gnGroups)"
        return backbone + " fpn \(fpnChannels)\(pyramid) head \(headChannels)x\(headConvs)\(groups)"
    }
}

extension TrainingConfig {
    /// The random stream network `id` draws its initial weights from (with the seed): its
    /// architecture, so within a seed one architecture starts from the same weights as a
    /// baseline, a student or a CoLAD network, in slot A or B; paired comparisons across modes
    /// rest on this (the data order depends on the seed alone). When both networks of a job
    /// have the same architecture, B's stream also names its slot, or the two would start
    /// and stay identical.
    public func initialisationStream(_ id: NetworkID) -> String {
        guard let n = network(id) else { preconditionFailure("initialisationStream: no network \(id.rawValue)") }
        let sameAsPeer = id == .b && networkA.architecture == n.architecture
        return "init " + n.architecture + (sameAsPeer ? " slot b" : "")
    }
}

extension AnchorLayoutCache {
    /// The anchor layouts shared by every network of a run (one per input canvas).
    public convenience init(_ c: TrainingConfig) {
        let canvas = c.data.nominalCanvas
        self.init(.init(height: canvas.height, width: canvas.width, strides: c.anchors.strides,
                        anchorScale: Float(c.anchors.scale), centerOffset: Float(c.anchors.centerOffset)))
    }
}

extension DataConfig {
    /// The input canvas used for planning (cost estimates, benchmarks): image_size² for square
    /// resizing; for keep_ratio a landscape image at the limits, short_side × max_size rounded up
    /// to 32 (the reference's 800 × 1344).
    public var nominalCanvas: (height: Int, width: Int) {
        switch resize {
        case .square: return (imageSize, imageSize)
        case .keepRatio: return ((shortSide + 31) / 32 * 32, (maxSize + 31) / 32 * 32)
        }
    }

    /// How training images are sized, for the start line: "images 128x128" or "images fit
    /// 1333x800 keeping aspect (short side 640-800), padded per global batch to multiples of 32".
    public var resizeDescription: String {
        switch resize {
        case .square:
            return "images \(imageSize)x\(imageSize)"
        case .keepRatio:
            let range = shortSideRange.count == 2 ? " (short side \(shortSideRange[0])-\(shortSideRange[1]))" : ""
            return "images fit \(maxSize)x\(shortSide) keeping aspect\(range), padded per global batch to multiples of 32"
        }
    }
}

extension Preprocess {
    /// The data section's preprocessing; `training` turns on its augmentation (flip, and the
    /// short-side draw of keep_ratio with short_side_range).
    public init(_ d: DataConfig, training: Bool, seed: UInt64) {
        switch d.resize {
        case .square:
            self.init(resize: .square(d.imageSize), augment: training, seed: seed)
        case .keepRatio:
            let range = d.shortSideRange.count == 2 ? d.shortSideRange[0]...d.shortSideRange[1] : nil
            self.init(resize: .keepRatio(long: d.maxSize, short: d.shortSide, shortRange: range), augment: training, seed: seed)
        }
        flipProbability = d.flip ? 0.5 : 0
        sizeDivisor = 32
    }
}

extension PostProcessConfig {
    /// Inference settings (SPEC §6 test_cfg) of the `eval` section.
    public init(_ e: EvalConfig) {
        self.init(nmsPre: e.nmsPre, scoreThreshold: Float(e.scoreThreshold), nmsIoU: Float(e.nmsIoU),
                  maxPerImage: e.maxPerImage, scoreVoting: e.scoreVoting)
    }
}

extension TeacherRule {
    /// The configured CoLAD rule (the trainer, the workers and the coordinator build it here).
    public init(_ c: CoLADConfig) { self.init(TeacherRuleKind(rawValue: c.rule.rawValue)!) }
}
