// The one place where the YAML schema (Config) is turned into the runtime types of the lower
// layers (Models, PAA, Inference), so the trainer and the CLI cannot map a field differently.
import Config
import Distillation
import Inference
import Models
import PAA

extension ModelConfig {
    /// The architecture of a configured network for a dataset with `numClasses` classes.
    public init(_ n: NetworkConfig, numClasses: Int) {
        self.init(stem: n.stem, widths: n.widths, blocks: n.blocks, fpnChannels: n.fpnChannels,
                  headChannels: n.headChannels, headConvs: n.headConvs, numClasses: numClasses)
    }
}

extension AnchorLayout {
    /// The anchor layout shared by every network of a run.
    public init(_ c: TrainingConfig) {
        self.init(.init(inputSize: c.data.imageSize, strides: c.anchors.strides,
                        anchorScale: Float(c.anchors.scale), centerOffset: Float(c.anchors.centerOffset)))
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
