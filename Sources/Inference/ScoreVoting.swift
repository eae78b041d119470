// Score voting (SPEC §6 step 5, mmdet `PAAHead.score_voting`). For each kept detection (box B,
// class c), over the candidates k of class c (all of them, suppressed or not):
//   V   = {k : IoU(B, box_k) > 0.01}                  B's own candidate is in V (IoU 1)
//   w_k = exp(−(1 − IoU(B, box_k))² / 0.025) · s_k
//   B'  = Σ_V w_k·box_k / Σ_V w_k                      the score is left unchanged
// IoU is mmdet's `bbox_overlaps` (eps 1e-6), evaluated in the same operation order as
// Detection's `iou`, so the two agree bit for bit; w_k is Float as in mmdet; the sums are Double.
// If V is empty, which needs a zero-area B (IoU(B, B) = 0/eps = 0), B is returned unchanged where
// mmdet would produce 0/0 = NaN.
//
// Speed: the candidates of each class are copied once into contiguous columns (structure of
// arrays), and the IoU of B with all of them is one branch-free loop the compiler vectorises; only
// the few voters then pay for the exponential.
import Detection

/// The voted box of every kept candidate, in the order of `kept`.
func scoreVoting(kept: [Int], candidates: [Candidate], sigma: Float, minIoU: Float) -> [BoxXYXY] {
    guard !kept.isEmpty else { return [] }
    let classes = (candidates.map { $0.classIndex }.max() ?? -1) + 1
    var wanted = [Bool](repeating: false, count: classes)
    for i in kept { wanted[candidates[i].classIndex] = true }
    let columns = (0..<classes).map { c in   // [class] → [k] columns
        BoxColumns(wanted[c] ? candidates.filter { $0.classIndex == c } : [])
    }
    var overlaps = [Float](repeating: 0, count: columns.map { $0.count }.max() ?? 0)   // [k] IoU(B, box_k)

    return kept.map { d in
        let b = candidates[d].box
        let voters = columns[candidates[d].classIndex]
        voters.iou(with: b, into: &overlaps)
        var sum = (x1: 0.0, y1: 0.0, x2: 0.0, y2: 0.0), sumW = 0.0
        for k in 0..<voters.count where overlaps[k] > minIoU {
            let u = overlaps[k]
            let w = Double(Float.exp(-(1 - u) * (1 - u) / sigma) * voters.score[k])
            sum.x1 += w * Double(voters.x1[k]); sum.y1 += w * Double(voters.y1[k])
            sum.x2 += w * Double(voters.x2[k]); sum.y2 += w * Double(voters.y2[k])
            sumW += w
        }
        guard sumW > 0 else { return b }
        return BoxXYXY(x1: Float(sum.x1 / sumW), y1: Float(sum.y1 / sumW),
                       x2: Float(sum.x2 / sumW), y2: Float(sum.y2 / sumW))
    }
}

/// The boxes and scores of one class's candidates as columns [k].
struct BoxColumns {
    let x1: [Float], y1: [Float], x2: [Float], y2: [Float]
    let area: [Float], score: [Float]
    var count: Int { x1.count }

    init(_ members: [Candidate]) {
        x1 = members.map { $0.box.x1 }; y1 = members.map { $0.box.y1 }
        x2 = members.map { $0.box.x2 }; y2 = members.map { $0.box.y2 }
        area = members.map { $0.box.area }; score = members.map { $0.score }
    }

    /// out[k] = IoU(b, box_k), with the operations of `OverlapTrace` (signed areas, union ≥ 1e-6).
    func iou(with b: BoxXYXY, into out: inout [Float]) {
        let eps = Float(defaultOverlapEps), areaB = b.area
        x1.withUnsafeBufferPointer { x1 in y1.withUnsafeBufferPointer { y1 in
        x2.withUnsafeBufferPointer { x2 in y2.withUnsafeBufferPointer { y2 in
        area.withUnsafeBufferPointer { area in out.withUnsafeMutableBufferPointer { out in
            for k in 0..<x1.count {
                let w = max(min(b.x2, x2[k]) - max(b.x1, x1[k]), 0)
                let h = max(min(b.y2, y2[k]) - max(b.y1, y1[k]), 0)
                let overlap = w * h
                out[k] = overlap / max(areaB + area[k] - overlap, eps)
            }
        } } } } } }
    }
}
