/// The fixed evaluation settings of pycocotools' `Params(iouType='bbox')`.
public enum COCOParameters {
    /// An area range; an object is in it when `lower <= area <= upper` (both ends inclusive,
    /// as pycocotools ignores `area < lower or area > upper`).
    public struct AreaRange: Hashable, Sendable {
        public var label: String
        public var lower: Double
        public var upper: Double
    }

    /// IoU thresholds .50:.05:.95, bit-identical to
    /// `np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1)` (0.9 is 0.8999999999999999).
    public static let iouThresholds: [Double] = linspace(0.5, 0.95, count: 10)

    /// 101 recall thresholds 0:.01:1, bit-identical to `np.linspace(.0, 1.00, 101)`.
    public static let recallThresholds: [Double] = linspace(0.0, 1.0, count: 101)

    /// Maximum detections per image and category, ascending.
    public static let maxDetections: [Int] = [1, 10, 100]

    /// all, small (< 32²), medium (32²...96²), large (> 96²), with pycocotools' 1e5² upper bound.
    public static let areaRanges: [AreaRange] = [
        AreaRange(label: "all", lower: 0, upper: 1e10),
        AreaRange(label: "small", lower: 0, upper: 32 * 32),
        AreaRange(label: "medium", lower: 32 * 32, upper: 96 * 96),
        AreaRange(label: "large", lower: 96 * 96, upper: 1e10),
    ]

    /// `np.linspace(start, stop, count)`: `Double(i) * ((stop - start) / (count - 1)) + start`,
    /// with the last element set to `stop` exactly.
    static func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        let step = (stop - start) / Double(count - 1)
        var values = (0..<count).map { Double($0) * step + start }
        values[count - 1] = stop
        return values
    }
}
