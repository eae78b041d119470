/// Result of a COCO bbox evaluation: pycocotools' 12 summary numbers plus per-category AP.
///
/// Values are fractions in [0, 1]; -1 means "no ground truth for this setting" (for example
/// `apLarge` on a dataset without large objects), exactly as pycocotools reports it.
public struct COCOMetrics: Hashable, Sendable, Codable {
    /// AP@[.50:.95] of one category (all areas, 100 detections per image), as mmdetection's
    /// `classwise` table computes it; nil when the category has no non-crowd ground truth
    /// (mmdetection shows NaN there).
    public struct CategoryAP: Hashable, Sendable, Codable {
        public var id: Int
        public var name: String
        public var ap: Double?
    }

    /// `COCOeval.stats`: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
    public var stats: [Double]
    /// One entry per ground-truth category, ascending id.
    public var perCategory: [CategoryAP]

    public var ap: Double { stats[0] }
    public var ap50: Double { stats[1] }
    public var ap75: Double { stats[2] }
    public var apSmall: Double { stats[3] }
    public var apMedium: Double { stats[4] }
    public var apLarge: Double { stats[5] }
    public var ar1: Double { stats[6] }
    public var ar10: Double { stats[7] }
    public var ar100: Double { stats[8] }
    public var arSmall: Double { stats[9] }
    public var arMedium: Double { stats[10] }
    public var arLarge: Double { stats[11] }

    /// mmdetection-style names of `stats`, in order. The AP names are mmdetection
    /// `CocoMetric`'s (`bbox_` + metric item). mmdetection names AR after its own maxDets
    /// (`AR@100`, `AR@300`, `AR@1000`, `AR_s@1000`, ...); this evaluator keeps pycocotools'
    /// maxDets [1, 10, 100], so the AR keys carry those numbers instead.
    public static let summaryKeys: [String] = [
        "bbox_mAP", "bbox_mAP_50", "bbox_mAP_75", "bbox_mAP_s", "bbox_mAP_m", "bbox_mAP_l",
        "bbox_AR@1", "bbox_AR@10", "bbox_AR@100", "bbox_AR_s@100", "bbox_AR_m@100", "bbox_AR_l@100",
    ]

    /// Flat dictionary for logging: the 12 `summaryKeys` plus `bbox_<name>_precision` per
    /// category (mmdetection's classwise key `<name>_precision`, namespaced with `bbox_`).
    ///
    /// Values are unrounded (mmdetection rounds to 3 decimals). Categories without non-crowd
    /// ground truth are left out instead of mmdetection's NaN, so the dictionary is always
    /// JSON-encodable. If several categories share a name, their keys become
    /// `bbox_<name>_<id>_precision`.
    public func mmdetDictionary() -> [String: Double] {
        var out = Dictionary(uniqueKeysWithValues: zip(Self.summaryKeys, stats))
        var nameCount: [String: Int] = [:]
        for c in perCategory { nameCount[c.name, default: 0] += 1 }
        for c in perCategory {
            guard let ap = c.ap else { continue }
            let name = nameCount[c.name, default: 0] > 1 ? "\(c.name)_\(c.id)" : c.name
            out["bbox_\(name)_precision"] = ap
        }
        return out
    }

    /// The 12 lines pycocotools' `summarize()` prints, character for character.
    public var summaryLines: [String] {
        zip(Summary.items, stats).map { Summary.line($0.0, value: $0.1) }
    }

    /// `summaryLines` joined with newlines.
    public var summaryTable: String { summaryLines.joined(separator: "\n") }
}
