// Which detections a picture shows (`colad detect`): a readable subset of the post-processor's
// output, which keeps up to 100 boxes per image down to score 0.05 for evaluation. The boxes
// at or above a score threshold, optionally with class-agnostic NMS (a box is dropped when a
// higher-scored box of any class overlaps it with IoU > the threshold, the NMS semantics of
// NMS.swift with all classes as one), at most `maxBoxes`, highest score first.
import Detection

/// How to pick the detections to draw.
public struct DrawSelection: Equatable, Sendable {
    /// Boxes with a score below this are not drawn.
    public var threshold: Float
    /// At most this many boxes per image (≤ 0: no limit).
    public var maxBoxes: Int
    /// IoU threshold of class-agnostic NMS; nil: classes do not suppress each other.
    public var agnosticIoU: Float?

    public init(threshold: Float, maxBoxes: Int, agnosticIoU: Float? = nil) {
        self.threshold = threshold; self.maxBoxes = maxBoxes; self.agnosticIoU = agnosticIoU
    }

    /// The boxes to draw, highest score first (equal scores keep their order in `detections`).
    public func select(_ detections: [ScoredBox]) -> [ScoredBox] {
        let shown = detections.filter { $0.score >= threshold }
        guard let iou = agnosticIoU else {
            let order = shown.indices.sorted { shown[$0].score > shown[$1].score || (shown[$0].score == shown[$1].score && $0 < $1) }
            return (maxBoxes > 0 ? Array(order.prefix(maxBoxes)) : order).map { shown[$0] }
        }
        let asOneClass = shown.map { Candidate(box: $0.box, classIndex: 0, score: $0.score) }
        return NMSAlgorithm.naive.run(asOneClass, iouThreshold: iou, maxDetections: maxBoxes).map { shown[$0] }
    }
}
