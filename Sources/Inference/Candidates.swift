// Steps 1–3 of SPEC §6 for one image b: scores, the per-level nms_pre cut, decoding with
// clipping, and the score threshold. Dimension letters: N images, H_l×W_l grid of level l,
// C classes, A = Σ_l H_l·W_l anchors of one image.
//
//   cls[l]   [N, H_l, W_l, C] logits  → p_ac = σ(cls)      row a = y·W_l + x is anchor (y, x)
//   reg[l]   [N, H_l, W_l, 4] deltas (already × Scale_l)
//   iou[l]   [N, H_l, W_l, 1] logits  → q_a = σ(iou)
//   anchors  [A] corner boxes, flat level-major then row-major (SPEC §1); valid [A]
//
//   s_ac = √(p_ac·q_a)                         score of (anchor a, class c), also used to rank
//   rank_a = max_c s_ac                        per level, keep the nms_pre valid anchors of
//                                              highest rank (all of them if there are fewer)
//   box_a = decode(anchor_a, reg_a, clip)      only for kept anchors
//   candidates = {(a, c) kept : s_ac > score_thr}, in (a, c) order
import Detection
import Engine
import Models

/// One (anchor, class) pair that passed the score threshold: what NMS and voting work on.
struct Candidate: Equatable {
    /// Decoded and clipped box, in resized-image pixels.
    var box: BoxXYXY
    var classIndex: Int
    /// s_ac = √(p_ac·q_a) ∈ [0, 1].
    var score: Float
}

/// Checks the head outputs against the anchor layout and returns (levels' H·W, C).
func layoutOfOutputs(_ o: HeadOutputs, anchorCount: Int, validCount: Int) -> (sizes: [Int], classes: Int) {
    precondition(o.reg.count == o.cls.count && o.iou.count == o.cls.count,
                 "HeadOutputs: \(o.cls.count) cls, \(o.reg.count) reg, \(o.iou.count) iou levels")
    let classes = o.cls.first?.shape[3] ?? 0
    var sizes: [Int] = []
    for l in o.cls.indices {
        let (c, r, q) = (o.cls[l].shape, o.reg[l].shape, o.iou[l].shape)
        precondition(c.count == 4 && c[3] == classes && r == [c[0], c[1], c[2], 4] && q == [c[0], c[1], c[2], 1],
                     "HeadOutputs level \(l): cls \(c), reg \(r), iou \(q)")
        precondition(l == 0 || c[0] == o.cls[0].shape[0], "HeadOutputs level \(l): batch \(c[0]) != \(o.cls[0].shape[0])")
        sizes.append(c[1] * c[2])
    }
    let total = sizes.reduce(0, +)
    precondition(anchorCount == total && validCount == total,
                 "anchors \(anchorCount), valid flags \(validCount), but the head has \(total) locations")
    return (sizes, classes)
}

/// The candidates of image `b` (SPEC §6 steps 1–3), in (flat anchor, class) order: the order of
/// mmdet's flattened [A, C] score matrix, by which NMS orders equal scores.
func gatherCandidates(_ o: HeadOutputs, image b: Int, anchors: [BoxXYXY], valid: [Bool],
                      clipTo size: (width: Float, height: Float), config: PostProcessConfig) -> [Candidate] {
    let (sizes, C) = layoutOfOutputs(o, anchorCount: anchors.count, validCount: valid.count)
    guard !sizes.isEmpty else { return [] }
    precondition(b >= 0 && b < o.cls[0].shape[0], "image \(b) out of a batch of \(o.cls[0].shape[0])")
    var out: [Candidate] = []
    var scores = [Float](repeating: 0, count: (sizes.max() ?? 0) * C)   // [H_l·W_l, C] s_ac of one level
    var rank = [Float](repeating: 0, count: sizes.max() ?? 0)             // [H_l·W_l] max_c s_ac
    var base = 0                                                          // flat index of the level's first anchor
    for l in sizes.indices {
        let hw = sizes[l]
        o.cls[l].withPointer { cls in o.iou[l].withPointer { iou in
            let cls = cls + b * hw * C, iou = iou + b * hw
            for a in 0..<hw where valid[base + a] {
                let q = Logistic.sigmoid(iou[a])
                var best = -Float.infinity
                for c in 0..<C {
                    let s = (Logistic.sigmoid(cls[a * C + c]) * q).squareRoot()
                    scores[a * C + c] = s
                    if s > best { best = s }
                }
                rank[a] = best
            }
        } }
        var kept = (0..<hw).filter { valid[base + $0] }
        if config.nmsPre > 0 && kept.count > config.nmsPre {
            // torch.topk leaves the order of equal ranks unspecified; colad keeps the lower index.
            kept.sort { rank[$0] > rank[$1] || (rank[$0] == rank[$1] && $0 < $1) }
            kept.removeSubrange(config.nmsPre...)
            kept.sort()
        }
        o.reg[l].withPointer { reg in
            let reg = reg + b * hw * 4
            for a in kept where rank[a] > config.scoreThreshold {
                let delta = BoxDelta(dx: reg[4 * a], dy: reg[4 * a + 1], dw: reg[4 * a + 2], dh: reg[4 * a + 3])
                let box = DeltaXYWHCoder.decode(anchor: anchors[base + a], delta: delta, clipTo: size)
                for c in 0..<C where scores[a * C + c] > config.scoreThreshold {
                    out.append(Candidate(box: box, classIndex: c, score: scores[a * C + c]))
                }
            }
        }
        base += hw
    }
    return out
}
