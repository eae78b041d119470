// Reference NMS (see NMS.swift for the semantics): every class on its own, an explicit
// suppressed-flag per candidate, every kept box compared with every later one. O(n²) per class.
import Detection

func naiveNMS(_ candidates: [Candidate], iouThreshold: Float, maxDetections: Int) -> [Int] {
    let classes = Set(candidates.map(\.classIndex))
    var kept: [Int] = []
    for c in classes {
        let order = candidates.indices.filter { candidates[$0].classIndex == c }
            .sorted { visitedBefore($0, $1, in: candidates) }
        var suppressed = [Bool](repeating: false, count: order.count)
        for i in order.indices where !suppressed[i] {
            kept.append(order[i])
            for j in (i + 1)..<order.count where iou(candidates[order[i]].box, candidates[order[j]].box) > iouThreshold {
                suppressed[j] = true
            }
        }
    }
    kept.sort { visitedBefore($0, $1, in: candidates) }
    return maxDetections > 0 ? Array(kept.prefix(maxDetections)) : kept
}
