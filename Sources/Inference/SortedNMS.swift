// Fast NMS (see NMS.swift for the semantics). Per-class greedy NMS runs are independent, and the
// visiting order restricted to one class is that class's own order, so a single pass over all
// candidates in global order, checking each against the kept boxes of its own class only, keeps
// exactly the per-class results, already merged in output order. The pass stops at the
// `maxDetections`-th kept box: everything after it would be cut anyway.
import Detection

func sortedNMS(_ candidates: [Candidate], iouThreshold: Float, maxDetections: Int) -> [Int] {
    let limit = maxDetections > 0 ? maxDetections : candidates.count
    let classes = (candidates.map { $0.classIndex }.max() ?? -1) + 1
    var keptBoxes = [[BoxXYXY]](repeating: [], count: classes)   // per class, in kept order
    var kept: [Int] = []
    kept.reserveCapacity(min(limit, candidates.count))
    for i in visitingOrder(candidates) {
        let c = candidates[i]
        var suppressed = false
        for k in keptBoxes[c.classIndex] where iou(k, c.box) > iouThreshold {
            suppressed = true
            break
        }
        if suppressed { continue }
        kept.append(i)
        if kept.count == limit { break }
        keptBoxes[c.classIndex].append(c.box)
    }
    return kept
}

/// Candidate positions by decreasing score, equal scores by increasing position: a stable LSD
/// radix sort (four 8-bit passes) of the positions, keyed by the score's inverted bit pattern.
/// Scores are ≥ 0, and the IEEE bit patterns of non-negative floats order like their values, so
/// ascending ~bits = descending score; stability keeps equal scores in position order.
/// A pass whose byte is the same for every key (e.g. the exponent byte) is skipped.
func visitingOrder(_ candidates: [Candidate]) -> [Int] {
    let n = candidates.count
    var keys = candidates.map { c -> UInt32 in
        precondition(c.score >= 0, "sortedNMS: negative or NaN score \(c.score)")
        return ~(c.score + 0).bitPattern   // + 0 turns −0 into +0
    }
    var order = Array(0..<n)
    var keys2 = keys, order2 = order
    var start = [Int](repeating: 0, count: 257)   // start[b + 1] counts byte b, then prefix sums
    for shift: UInt32 in [0, 8, 16, 24] {
        for b in start.indices { start[b] = 0 }
        for k in keys { start[Int((k >> shift) & 0xFF) + 1] += 1 }
        if start.contains(n) { continue }
        for b in 0..<256 { start[b + 1] += start[b] }
        keys.withUnsafeBufferPointer { src in keys2.withUnsafeMutableBufferPointer { dst in
        order.withUnsafeBufferPointer { from in order2.withUnsafeMutableBufferPointer { to in
        start.withUnsafeMutableBufferPointer { start in
            for i in 0..<n {
                let b = Int((src[i] >> shift) & 0xFF)
                dst[start[b]] = src[i]
                to[start[b]] = from[i]
                start[b] += 1
            }
        } } } } }
        swap(&keys, &keys2)
        swap(&order, &order2)
    }
    return order
}
