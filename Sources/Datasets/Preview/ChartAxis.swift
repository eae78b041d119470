// One axis of a LineChart: the value range it spans and its ticks, at "nice" steps (1, 2 or 5 ×
// 10^k) with labels formatted for the range, so 2.1…2.6, 0…0.01 and 0…1e-4 each read with the
// digits that tell the ticks apart. Pure functions of the data; LineChart places the pixels.
import Foundation

struct ChartAxis: Equatable {
    var lo: Double
    var hi: Double
    var step: Double
    var ticks: [Double]
    var labels: [String]

    /// A y axis that encloses `values` from tick to tick, about five intervals over `pixels`.
    /// With `fromZero`, data that are all ≥ 0 start at 0; negative data are always shown.
    static func enclosing(_ values: [Double], fromZero: Bool, pixels: Int) -> ChartAxis {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if fromZero && lo >= 0 { lo = 0 }
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {   // one value: give it room
            let room = hi == 0 ? 1 : abs(hi) * 0.1
            if !(fromZero && lo == 0) { lo -= room }
            hi += room
        }
        var step = niceStep(near: (hi - lo) / 5)
        for _ in 0..<64 where Double(max(1, pixels)) * step / (hi - lo) < 14 { step = nextNiceStep(step) }
        let k0 = (lo / step + 1e-9).rounded(.down), k1 = (hi / step - 1e-9).rounded(.up)
        let ticks = stride(from: k0, through: k1, by: 1).map { $0 * step }
        return ChartAxis(lo: k0 * step, hi: k1 * step, step: step, ticks: ticks, labels: labels(ticks, step: step))
    }

    /// An x axis over exactly [min(0, min), max] with ticks inside it, spaced so that no two
    /// labels touch over `pixels`; steps stay whole when every value is whole (iterations).
    static func spanning(_ values: [Double], pixels: Int) -> ChartAxis {
        let lo = min(0, values.min() ?? 0)
        var hi = values.max() ?? 1
        if hi <= lo { hi = lo + 1 }
        var step = niceStep(near: (hi - lo) / 5)
        if !values.isEmpty && values.allSatisfy({ $0 == $0.rounded() }) { step = max(step, 1) }
        for _ in 0..<64 {
            let k0 = (lo / step - 1e-9).rounded(.up), k1 = (hi / step + 1e-9).rounded(.down)
            let ticks = stride(from: k0, through: k1, by: 1).map { $0 * step }
            let labels = labels(ticks, step: step)
            let widest = labels.map { BitmapFont.width(of: $0) }.max() ?? 0
            if Double(pixels) * step / (hi - lo) >= Double(widest + 8) || ticks.count <= 1 {
                return ChartAxis(lo: lo, hi: hi, step: step, ticks: ticks, labels: labels)
            }
            step = nextNiceStep(step)
        }
        return ChartAxis(lo: lo, hi: hi, step: hi - lo, ticks: [lo, hi], labels: labels([lo, hi], step: hi - lo))
    }

    /// The 1, 2 or 5 × 10^k nearest to `raw` (> 0).
    static func niceStep(near raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let base = pow(10, log10(raw).rounded(.down)), f = raw / base
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * base
    }

    /// The next nice step up: 1 → 2 → 5 → 10.
    static func nextNiceStep(_ step: Double) -> Double {
        let base = pow(10, log10(step).rounded(.down)), f = (step / base).rounded()
        return (f < 2 ? 2 : f < 5 ? 5 : 10) * base
    }

    /// Labels for ticks that are multiples of `step`: fixed decimals, as many as the step needs
    /// (0.5 → "2.5", 0.002 → "0.004", 2e-5 → "0.00002"); scientific with enough mantissa digits
    /// for very small steps or values of a million and more ("1.5e-7", "2.0e6").
    static func labels(_ ticks: [Double], step: Double) -> [String] {
        let decimals = max(0, Int((-log10(step) - 1e-6).rounded(.up)))
        let largest = ticks.map { abs($0) }.max() ?? 0
        let snapped = ticks.map { abs($0) < step * 1e-6 ? 0 : $0 }
        if largest < 1e6 && decimals <= 6 { return snapped.map { String(format: "%.\(decimals)f", $0) } }
        let digits = max(0, Int(log10(largest).rounded(.down) - (log10(step) + 1e-6).rounded(.down)))
        return snapped.map { v in
            if v == 0 { return "0" }
            let parts = String(format: "%.\(digits)e", v).split(separator: "e")
            return "\(parts[0])e\(Int(parts[1]) ?? 0)"
        }
    }
}
