import Foundation

/// pycocotools' `summarize()` for bbox: the 12 standard numbers and their printed lines.
enum Summary {
    /// One `_summarize(ap, iouThr, areaRng, maxDets)` call.
    struct Item {
        var isAP: Bool
        var iouThreshold: Double?
        var area: String
        var maxDets: Int
    }

    /// The 12 items of `_summarizeDets`, in `stats` order.
    static let items: [Item] = {
        let last = COCOParameters.maxDetections[2]
        return [
            Item(isAP: true, iouThreshold: nil, area: "all", maxDets: 100),
            Item(isAP: true, iouThreshold: 0.5, area: "all", maxDets: last),
            Item(isAP: true, iouThreshold: 0.75, area: "all", maxDets: last),
            Item(isAP: true, iouThreshold: nil, area: "small", maxDets: last),
            Item(isAP: true, iouThreshold: nil, area: "medium", maxDets: last),
            Item(isAP: true, iouThreshold: nil, area: "large", maxDets: last),
            Item(isAP: false, iouThreshold: nil, area: "all", maxDets: COCOParameters.maxDetections[0]),
            Item(isAP: false, iouThreshold: nil, area: "all", maxDets: COCOParameters.maxDetections[1]),
            Item(isAP: false, iouThreshold: nil, area: "all", maxDets: last),
            Item(isAP: false, iouThreshold: nil, area: "small", maxDets: last),
            Item(isAP: false, iouThreshold: nil, area: "medium", maxDets: last),
            Item(isAP: false, iouThreshold: nil, area: "large", maxDets: last),
        ]
    }()

    /// Mean over the selected entries that are > -1, or -1 if there are none.
    static func value(_ item: Item, _ acc: Accumulation) -> Double {
        let ts = COCOParameters.iouThresholds.indices.filter {
            item.iouThreshold == nil || COCOParameters.iouThresholds[$0] == item.iouThreshold
        }
        guard let a = COCOParameters.areaRanges.firstIndex(where: { $0.label == item.area }),
              let m = COCOParameters.maxDetections.firstIndex(of: item.maxDets) else { return -1 }
        var sum = 0.0, count = 0
        for t in ts {
            for k in 0..<acc.K {
                if item.isAP {
                    for r in 0..<Accumulation.R {
                        let v = acc.precision[acc.precisionIndex(t: t, r: r, k: k, a: a, m: m)]
                        if v > -1 { sum += v; count += 1 }
                    }
                } else {
                    let v = acc.recall[acc.recallIndex(t: t, k: k, a: a, m: m)]
                    if v > -1 { sum += v; count += 1 }
                }
            }
        }
        return count == 0 ? -1 : sum / Double(count)
    }

    /// mmdetection's per-class AP: mean of `precision[:, :, k, all-areas, last maxDets]` over
    /// entries > -1; nil (mmdetection: NaN) when the category has no non-crowd GT.
    static func categoryAP(_ k: Int, _ acc: Accumulation) -> Double? {
        var sum = 0.0, count = 0
        for t in 0..<Accumulation.T {
            for r in 0..<Accumulation.R {
                let v = acc.precision[acc.precisionIndex(t: t, r: r, k: k, a: 0, m: Accumulation.M - 1)]
                if v > -1 { sum += v; count += 1 }
            }
        }
        return count == 0 ? nil : sum / Double(count)
    }

    /// The line pycocotools prints, e.g.
    /// ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.370`.
    static func line(_ item: Item, value: Double) -> String {
        func pad(_ s: String, _ width: Int, left: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, width - s.count))
            return left ? s + fill : fill + s
        }
        let thresholds = COCOParameters.iouThresholds
        let iou = item.iouThreshold.map { String(format: "%0.2f", $0) }
            ?? String(format: "%0.2f:%0.2f", thresholds[0], thresholds[thresholds.count - 1])
        return " " + pad(item.isAP ? "Average Precision" : "Average Recall", 18, left: true)
            + " " + (item.isAP ? "(AP)" : "(AR)")
            + " @[ IoU=" + pad(iou, 9, left: true)
            + " | area=" + pad(item.area, 6, left: false)
            + " | maxDets=" + pad(String(item.maxDets), 3, left: false)
            + " ] = " + String(format: "%0.3f", value)
    }
}
