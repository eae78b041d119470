// Inference post-processing of the PAA head (SPEC §6): raw head outputs → scored boxes.
//
//   batch ─ detectBatch ─┬─ image 0 ─ detect ─┬─ level 0: σ, rank, nms_pre, decode, s > thr ─┐
//                        ├─ image 1           ├─ level 1 …                                   ├─ candidates
//                        └─ …                 └─ level L−1 …                                 ┘   (a, c) order
//        candidates ─ multiclass NMS (IoU > 0.6, top 100) ─ score voting ─ ÷ scale ─ [ScoredBox]
//
// Departures from mmdet's `PAAHead._get_bboxes`, all documented in README.md:
//   - invalid anchors (outside the unpadded image, SPEC §1) are dropped before ranking;
//   - equal scores are ordered by position: the lower anchor in the nms_pre ranking, the lower
//     a·C + c in NMS and the top-100 cut (torch leaves both unspecified);
//   - the output is ordered by score across classes (mmdet's voting regroups it by class);
//   - coordinates are divided by the scale at the very end (mmdet: before NMS; IoU is invariant).
import Detection
import Engine
import Models

/// One detection: a box in original-image pixels, its class and its score √(p·q).
public struct ScoredBox: Equatable, Sendable {
    public var box: BoxXYXY
    public var classIndex: Int
    public var score: Float

    public init(box: BoxXYXY, classIndex: Int, score: Float) {
        self.box = box; self.classIndex = classIndex; self.score = score
    }
}

/// Turns PAA head outputs into detections (SPEC §6).
public struct PostProcessor: Sendable {
    public var config: PostProcessConfig

    public init(config: PostProcessConfig = PostProcessConfig()) { self.config = config }

    /// Detections of image `b` of the batch, highest score first (equal scores: lower anchor·C + class
    /// first), at most `config.maxPerImage` of them.
    /// - Parameters:
    ///   - anchors: every anchor of one image, flat: level-major, then row-major (y, then x) within a
    ///     level, i.e. the NHWC row order of each level's outputs (SPEC §1). Σ_l H_l·W_l of them.
    ///   - valid: per anchor, false outside the image's unpadded extent; such anchors never produce
    ///     detections and are not ranked by nms_pre.
    ///   - imageSize: the resized, unpadded image (width, height); decoded boxes are clipped to it.
    ///   - scale: the resize factors (resized = original × scale, per axis); output boxes are divided by them.
    public func detect(outputs: HeadOutputs, image b: Int, anchors: [BoxXYXY], valid: [Bool],
                       imageSize: (width: Float, height: Float), scale: ResizeScale) -> [ScoredBox] {
        detect(outputs: outputs, image: b, anchors: anchors, valid: valid, imageSize: imageSize, scale: scale,
               nms: .sorted)
    }

    /// `detect` for every image of the batch: `valid`, `imageSizes` and `scales` hold one entry per
    /// image; the anchors are shared (every image of a batch has the same padded grid). Images are
    /// processed in parallel (`Parallel.threads`); each result depends only on its own image.
    public func detectBatch(outputs: HeadOutputs, anchors: [BoxXYXY], valid: [[Bool]],
                            imageSizes: [(width: Float, height: Float)], scales: [ResizeScale]) -> [[ScoredBox]] {
        let n = outputs.cls.first?.shape[0] ?? 0
        precondition(valid.count == n && imageSizes.count == n && scales.count == n,
                     "detectBatch: \(n) images but \(valid.count) valid lists, \(imageSizes.count) sizes, \(scales.count) scales")
        var results = [[ScoredBox]](repeating: [], count: n)
        results.withUnsafeMutableBufferPointer { out in
            let out = out   // each image writes only its own slot
            Parallel.forEach(n) { b in
                out[b] = detect(outputs: outputs, image: b, anchors: anchors, valid: valid[b],
                                imageSize: imageSizes[b], scale: scales[b])
            }
        }
        return results
    }

    /// The pipeline with a chosen NMS implementation (tests run it with both).
    func detect(outputs: HeadOutputs, image b: Int, anchors: [BoxXYXY], valid: [Bool],
                imageSize: (width: Float, height: Float), scale: ResizeScale, nms: NMSAlgorithm) -> [ScoredBox] {
        precondition(scale.x > 0 && scale.y > 0, "detect: scale must be positive, got \(scale)")
        let candidates = gatherCandidates(outputs, image: b, anchors: anchors, valid: valid,
                                          clipTo: imageSize, config: config)
        let kept = nms.run(candidates, iouThreshold: config.nmsIoU, maxDetections: config.maxPerImage)
        let boxes = config.scoreVoting
            ? scoreVoting(kept: kept, candidates: candidates, sigma: config.votingSigma, minIoU: config.votingMinIoU)
            : kept.map { candidates[$0].box }
        return zip(kept, boxes).map { i, box in
            ScoredBox(box: box.unscaled(by: scale),
                      classIndex: candidates[i].classIndex, score: candidates[i].score)
        }
    }
}
