// Dense IoU matrix, GT × anchors (mmdet `bbox_overlaps(gts, anchors)`, mode 'iou'), used by the
// MaxIoU pre-assignment and by the KD region. Two builders produce bit-identical matrices:
//   naive  — every (g, a) pair, the reference;
//   sweep  — anchors binned by width (a factor-2 band per bin: one bin per pyramid level for
//            square anchors), each bin sorted by x1 once (`AnchorSweepIndex`). Per GT and bin,
//            only the contiguous run of anchors whose x-interval can meet the GT's is scanned;
//            inside it, pairs with no positive x- or y-overlap are skipped. Every skipped pair
//            has overlap 0, so its IoU is 0 / max(U, eps) = 0, the value the matrix starts with.
// Shapes: G = GT count, N = anchor count; values are row-major [G][N].

/// IoU of every GT (rows) with every anchor (columns).
public struct IoUMatrix: Equatable, Sendable {
    /// G, the number of GT boxes (rows).
    public let gtCount: Int
    /// N, the number of anchors (columns).
    public let anchorCount: Int
    /// Row-major [G][N]: `values[g * anchorCount + a]`.
    public private(set) var values: [Float]

    @inlinable public subscript(gt g: Int, anchor a: Int) -> Float { values[g * anchorCount + a] }

    /// Reference builder: evaluates all G·N pairs.
    public static func naive(gts: [BoxXYXY], anchors: [BoxXYXY], eps: Float = Float(defaultOverlapEps)) -> IoUMatrix {
        var m = IoUMatrix(gtCount: gts.count, anchorCount: anchors.count, values: Array(repeating: 0, count: gts.count * anchors.count))
        for (g, gt) in gts.enumerated() {
            for (a, anchor) in anchors.enumerated() {
                m.values[g * anchors.count + a] = iou(gt, anchor, eps: eps)
            }
        }
        return m
    }

    /// Fast builder: per GT, evaluates only anchors that overlap it. Equal to `naive` bit for bit
    /// (tested). Release timings, 20 GTs (IoUMatrixBenchmarkTests): on par with `naive` at
    /// colad's default 336 anchors (~10 µs), 2× faster at 5376 anchors (~85 vs ~170 µs).
    public static func sweep(gts: [BoxXYXY], index: AnchorSweepIndex, eps: Float = Float(defaultOverlapEps)) -> IoUMatrix {
        let n = index.anchorCount
        var m = IoUMatrix(gtCount: gts.count, anchorCount: n, values: Array(repeating: 0, count: gts.count * n))
        m.values.withUnsafeMutableBufferPointer { out in
            for (g, gt) in gts.enumerated() {
                for bin in index.bins {
                    for k in bin.candidatePositions(xFrom: gt.x1, to: gt.x2) {
                        let anchor = bin.boxes[k]
                        // zero overlap ⇒ IoU exactly 0 (already stored)
                        guard min(anchor.x2, gt.x2) - max(anchor.x1, gt.x1) > 0,
                              min(anchor.y2, gt.y2) - max(anchor.y1, gt.y1) > 0 else { continue }
                        out[g * n + bin.order[k]] = iou(gt, anchor, eps: eps)
                    }
                }
            }
        }
        return m
    }
}

/// Anchors binned by width and sorted by x1 within each bin, with a running maximum of x2, so
/// that the anchors of a bin whose x-range can meet an interval form one contiguous run. It
/// depends only on the anchors: build it once per anchor layout and reuse it.
public struct AnchorSweepIndex: Sendable {
    /// N, the number of anchors indexed.
    public let anchorCount: Int
    @usableFromInline let bins: [Bin]

    @usableFromInline
    struct Bin: Sendable {
        /// `order[k]` = original (flat) index of the k-th anchor of the bin by ascending x1.
        @usableFromInline let order: [Int]
        /// The bin's anchors in that order.
        @usableFromInline let boxes: [BoxXYXY]
        /// x1 in that order (ascending).
        @usableFromInline let sortedX1: [Float]
        /// `prefixMaxX2[k]` = max x2 over positions 0...k (non-decreasing).
        @usableFromInline let prefixMaxX2: [Float]

        init(anchors: [BoxXYXY], members: [Int]) {
            order = members.sorted { (anchors[$0].x1, $0) < (anchors[$1].x1, $1) }
            boxes = order.map { anchors[$0] }
            sortedX1 = boxes.map(\.x1)
            var running = -Float.infinity
            prefixMaxX2 = boxes.map { running = max(running, $0.x2); return running }
        }

        /// Positions whose anchor may have x-overlap > 0 with [lo, hi]. Every anchor before the
        /// run has x2 ≤ lo, every anchor after it has x1 ≥ hi; either way
        /// min(x2, hi) − max(x1, lo) ≤ 0 and its IoU is exactly 0.
        @usableFromInline
        func candidatePositions(xFrom lo: Float, to hi: Float) -> Range<Int> {
            let start = partitionPoint(prefixMaxX2) { $0 <= lo }   // first running max x2 > lo
            let end = partitionPoint(sortedX1) { $0 < hi }         // first x1 ≥ hi
            return start < end ? start..<end : start..<start
        }
    }

    public init(anchors: [BoxXYXY]) {
        anchorCount = anchors.count
        // Bin key: the binary exponent of the width (a factor-2 band); non-positive or
        // non-finite widths share one bin. Any partition would be correct; this one keeps
        // every bin's widths close, so its candidate runs stay short.
        var members: [Int: [Int]] = [:]
        for (a, box) in anchors.enumerated() {
            let w = box.x2 - box.x1
            members[w > 0 && w.isFinite ? Int(w.exponent) : Int.min, default: []].append(a)
        }
        bins = members.keys.sorted().compactMap { key in members[key].map { Bin(anchors: anchors, members: $0) } }
    }
}

/// Index of the first element for which `isBefore` is false, in an array partitioned so that all
/// `isBefore` elements come first (binary search).
@usableFromInline
func partitionPoint(_ a: [Float], _ isBefore: (Float) -> Bool) -> Int {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if isBefore(a[mid]) { lo = mid + 1 } else { hi = mid }
    }
    return lo
}
