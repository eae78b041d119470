// The PAA head's test_cfg (SPEC §6, mmdet `paa_r50_fpn_1x_coco.py`):
//   nms_pre=1000, score_thr=0.05, nms=dict(type='nms', iou_threshold=0.6), max_per_img=100,
//   min_bbox_size=0, score_voting=True  (voting constants 0.025 and 0.01 are hard-coded in mmdet).

/// Settings of inference post-processing. The defaults are the reference values.
public struct PostProcessConfig: Codable, Equatable, Sendable {
    /// Per level, keep at most this many valid anchors ranked by max_c √(p_c·q) (`nms_pre`).
    /// A value ≤ 0 keeps every anchor, as in mmdet.
    public var nmsPre: Int
    /// An (anchor, class) pair is a candidate only if √(p·q) is strictly greater than this.
    public var scoreThreshold: Float
    /// Greedy NMS suppresses a box whose IoU with a kept box of the same class is strictly greater.
    public var nmsIoU: Float
    /// Detections kept per image after NMS, highest score first. A value ≤ 0 keeps all.
    public var maxPerImage: Int
    /// Replace each kept box by the IoU- and score-weighted mean of its class's candidates.
    public var scoreVoting: Bool
    /// The 0.025 in w = exp(−(1−IoU)²/0.025)·s (mmdet calls it σ; it divides, unsquared).
    public var votingSigma: Float
    /// Voting uses candidates with IoU strictly greater than this.
    public var votingMinIoU: Float

    public init(nmsPre: Int = 1000, scoreThreshold: Float = 0.05, nmsIoU: Float = 0.6,
                maxPerImage: Int = 100, scoreVoting: Bool = true, votingSigma: Float = 0.025,
                votingMinIoU: Float = 0.01) {
        self.nmsPre = nmsPre; self.scoreThreshold = scoreThreshold; self.nmsIoU = nmsIoU
        self.maxPerImage = maxPerImage; self.scoreVoting = scoreVoting
        self.votingSigma = votingSigma; self.votingMinIoU = votingMinIoU
    }

    /// Missing keys take their default, so a config file names only what it changes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PostProcessConfig()
        nmsPre = try c.decodeIfPresent(Int.self, forKey: .nmsPre) ?? d.nmsPre
        scoreThreshold = try c.decodeIfPresent(Float.self, forKey: .scoreThreshold) ?? d.scoreThreshold
        nmsIoU = try c.decodeIfPresent(Float.self, forKey: .nmsIoU) ?? d.nmsIoU
        maxPerImage = try c.decodeIfPresent(Int.self, forKey: .maxPerImage) ?? d.maxPerImage
        scoreVoting = try c.decodeIfPresent(Bool.self, forKey: .scoreVoting) ?? d.scoreVoting
        votingSigma = try c.decodeIfPresent(Float.self, forKey: .votingSigma) ?? d.votingSigma
        votingMinIoU = try c.decodeIfPresent(Float.self, forKey: .votingMinIoU) ?? d.votingMinIoU
    }
}
