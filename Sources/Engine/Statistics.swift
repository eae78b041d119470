/// Order statistics for benchmarks (medians over repeated runs, tail percentiles).
public enum SampleStatistics {
    /// The median (mean of the two middle values for an even count); NaN for no values.
    public static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The value at fraction `p` of the sorted values (nearest rank below); NaN for no values.
    public static func percentile(_ v: [Double], _ p: Double) -> Double {
        let s = v.sorted()
        guard !s.isEmpty else { return .nan }
        return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
    }
}
