// Multiclass greedy NMS with mmdet's `batched_nms` semantics (SPEC §6 step 4), two ways:
//   NaiveNMS.swift   reference: per class, O(n²) suppression in score order, then merge and cut
//   SortedNMS.swift  fast path: one global pass in score order, per-class kept lists, early exit
// Both return the same indices in the same order (tests compare them on random inputs).
//
// Semantics, for candidates already above the score threshold:
//   - Classes never suppress each other.
//   - Within a class, candidates are visited by decreasing score; a candidate is kept unless a
//     kept one has IoU > threshold with it (strict: IoU == threshold survives).
//   - Equal scores are visited in candidate-array order, which `gatherCandidates` makes
//     (flat anchor, class) order. torch's sort leaves this unspecified; colad pins it so results
//     are reproducible.
//   - The kept set of all classes, ordered by the same key, is cut to the first `maxDetections`
//     (≤ 0: no cut).
//   - IoU is Detection's `iou` (signed areas, union clamped ≥ 1e-6). mmcv's nms has no eps; the
//     two differ only when a union is below 1e-6 px², where mmcv yields NaN (never suppresses)
//     and this yields 0 (never suppresses either).
import Detection

/// Which NMS implementation the post-processor runs.
enum NMSAlgorithm {
    /// O(n²) per class, written for clarity: the reference.
    case naive
    /// Global score order with per-class buckets and an early exit at `maxDetections`.
    case sorted

    /// Indices into `candidates` of the kept detections, highest score first, at most
    /// `maxDetections` of them (≤ 0: all).
    func run(_ candidates: [Candidate], iouThreshold: Float, maxDetections: Int) -> [Int] {
        switch self {
        case .naive: return naiveNMS(candidates, iouThreshold: iouThreshold, maxDetections: maxDetections)
        case .sorted: return sortedNMS(candidates, iouThreshold: iouThreshold, maxDetections: maxDetections)
        }
    }
}

/// The visiting order of candidates i and j: higher score first, then lower position.
@inline(__always)
func visitedBefore(_ i: Int, _ j: Int, in candidates: [Candidate]) -> Bool {
    let (a, b) = (candidates[i].score, candidates[j].score)
    return a > b || (a == b && i < j)
}
