/// Per image-and-category evaluation: pycocotools' `computeIoU` + `evaluateImg`.
struct ImageEvaluation {
    /// Matching outcome for one area range.
    struct AreaResult {
        /// `[t * D + d]`: detection d was matched to a ground truth whose id is non-zero at IoU
        /// threshold t (pycocotools stores the matched GT id, and id 0 reads as "unmatched").
        var matched: [Bool]
        /// `[t * D + d]`: detection d is ignored at threshold t (matched to an ignored GT, or
        /// unmatched and outside the area range).
        var ignored: [Bool]
        /// Ground truths that count (not crowd, inside the area range): `npig`'s share.
        var regularCount: Int
    }

    /// Scores of the kept detections, highest first (at most `maxDetections.last`).
    var scores: [Double]
    /// One result per `COCOParameters.areaRanges` entry.
    var areas: [AreaResult]

    /// Evaluates one cell. `gts` are in file order; `dts` in file order (they are ranked here by
    /// score, stably, as `np.argsort(-scores, kind='mergesort')`, and cut to `maxDet`).
    init(gts: [GroundTruth.Annotation], dts: [Detection], maxDet: Int) {
        let order = dts.indices.sorted { a, b in
            dts[a].score != dts[b].score ? dts[a].score > dts[b].score : a < b
        }
        let kept = order.prefix(maxDet).map { dts[$0] }
        scores = kept.map(\.score)
        let D = kept.count, G = gts.count
        let thresholds = COCOParameters.iouThresholds
        let T = thresholds.count

        // ious[d * G + g], GT columns in file order (pycocotools computes them once per cell).
        var ious = [Double](repeating: 0, count: D * G)
        for d in 0..<D {
            for g in 0..<G {
                ious[d * G + g] = cocoIoU(detection: kept[d].bbox, groundTruth: gts[g].bbox, isCrowd: gts[g].isCrowd)
            }
        }

        areas = COCOParameters.areaRanges.map { range in
            func outside(_ area: Double) -> Bool { area < range.lower || area > range.upper }
            // GT order for this range: regular first, ignored last, stable.
            let gtIgnored = gts.map { $0.isCrowd || outside($0.effectiveArea) }
            let gtOrder = gts.indices.filter { !gtIgnored[$0] } + gts.indices.filter { gtIgnored[$0] }
            let dtOutside = kept.map { outside($0.bbox.area) }

            var matched = [Bool](repeating: false, count: T * D)
            var ignored = [Bool](repeating: false, count: T * D)
            if D > 0 && G > 0 {
                var gtTaken = [Bool](repeating: false, count: G)  // by position in gtOrder
                for t in 0..<T {
                    for i in 0..<G { gtTaken[i] = false }
                    for d in 0..<D {
                        // Greedy match, line by line as evaluateImg.
                        var best = min(thresholds[t], 1 - 1e-10)
                        var m = -1
                        for (pos, g) in gtOrder.enumerated() {
                            if gtTaken[pos] && !gts[g].isCrowd { continue }
                            if m > -1 && !gtIgnored[gtOrder[m]] && gtIgnored[g] { break }
                            let iou = ious[d * G + g]
                            if iou < best { continue }
                            best = iou
                            m = pos
                        }
                        if m == -1 { continue }
                        let g = gtOrder[m]
                        ignored[t * D + d] = gtIgnored[g]
                        matched[t * D + d] = gts[g].id != 0
                        gtTaken[m] = true
                    }
                }
            }
            // Unmatched detections outside the area range are ignored.
            for t in 0..<T {
                for d in 0..<D where !matched[t * D + d] && dtOutside[d] {
                    ignored[t * D + d] = true
                }
            }
            return AreaResult(matched: matched, ignored: ignored,
                              regularCount: gtIgnored.lazy.filter { !$0 }.count)
        }
    }
}
