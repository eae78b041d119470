/// pycocotools' `accumulate()`: precision / recall tables from per-image results.
struct Accumulation {
    static let T = COCOParameters.iouThresholds.count
    static let R = COCOParameters.recallThresholds.count
    static let A = COCOParameters.areaRanges.count
    static let M = COCOParameters.maxDetections.count

    let K: Int
    /// `precision[t, r, k, a, m]`, row-major; -1 where a category has no (non-ignored) GT.
    var precision: [Double]
    /// `recall[t, k, a, m]`, row-major; -1 likewise.
    var recall: [Double]

    func precisionIndex(t: Int, r: Int, k: Int, a: Int, m: Int) -> Int {
        (((t * Self.R + r) * K + k) * Self.A + a) * Self.M + m
    }

    func recallIndex(t: Int, k: Int, a: Int, m: Int) -> Int {
        ((t * K + k) * Self.A + a) * Self.M + m
    }

    /// `cells[k]` holds category k's per-image results in ascending image-id order, for the
    /// images where that category has a GT or a detection (pycocotools' non-None `evalImgs`).
    init(cells: [[ImageEvaluation]]) {
        K = cells.count
        let (T, R, A, M) = (Self.T, Self.R, Self.A, Self.M)
        precision = [Double](repeating: -1, count: T * R * K * A * M)
        recall = [Double](repeating: -1, count: T * K * A * M)
        let recallThresholds = COCOParameters.recallThresholds
        let eps = 2.220446049250313e-16  // np.spacing(1)

        for (k, E) in cells.enumerated() where !E.isEmpty {
            for (m, maxDet) in COCOParameters.maxDetections.enumerated() {
                // Concatenate each image's first maxDet detections, in image order.
                var scores: [Double] = []
                var source: [(cell: Int, d: Int)] = []
                for (c, e) in E.enumerated() {
                    for d in 0..<min(maxDet, e.scores.count) {
                        scores.append(e.scores[d])
                        source.append((c, d))
                    }
                }
                // np.argsort(-scores, kind='mergesort'): descending, stable.
                let order = scores.indices.sorted { a, b in
                    scores[a] != scores[b] ? scores[a] > scores[b] : a < b
                }
                let nd = order.count
                var rc = [Double](repeating: 0, count: nd)
                var pr = [Double](repeating: 0, count: nd)

                for a in 0..<A {
                    let npig = E.reduce(0) { $0 + $1.areas[a].regularCount }
                    if npig == 0 { continue }
                    for t in 0..<T {
                        var tp = 0.0, fp = 0.0
                        for (i, j) in order.enumerated() {
                            let (c, d) = source[j]
                            let result = E[c].areas[a]
                            let D = E[c].scores.count
                            if !result.ignored[t * D + d] {
                                if result.matched[t * D + d] { tp += 1 } else { fp += 1 }
                            }
                            rc[i] = tp / Double(npig)
                            pr[i] = tp / (fp + tp + eps)
                        }
                        recall[recallIndex(t: t, k: k, a: a, m: m)] = nd > 0 ? rc[nd - 1] : 0
                        // Precision envelope: make it non-increasing from the right.
                        if nd > 1 {
                            for i in stride(from: nd - 1, to: 0, by: -1) where pr[i] > pr[i - 1] {
                                pr[i - 1] = pr[i]
                            }
                        }
                        // searchsorted(rc, recThrs, side='left'); thresholds past the
                        // reached recall keep precision 0.
                        var i = 0
                        for (r, threshold) in recallThresholds.enumerated() {
                            while i < nd && rc[i] < threshold { i += 1 }
                            precision[precisionIndex(t: t, r: r, k: k, a: a, m: m)] = i < nd ? pr[i] : 0
                        }
                    }
                }
            }
        }
    }
}
