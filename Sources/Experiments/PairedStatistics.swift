// Paired comparisons over seeds for the suite's table and claims (issue 14): within a seed two
// methods share the data order (and, where the architecture is the same, the start), so the
// per-seed difference is what varies; its mean and a 95 % confidence interval from Student's t
// with n − 1 degrees of freedom say whether a difference is resolved. A directional claim
// ("A beats B") holds when the interval excludes 0 on the claimed side, is contradicted when it
// excludes 0 on the other, and is inconclusive otherwise (always with one seed).
//
// Student's t: CDF through the regularized incomplete beta function (continued fraction, the
// classic Lentz evaluation), quantile by bisection on the CDF. `naiveTQuantile975` is a table
// of the textbook values for 1-10 and 30 degrees of freedom; both are checked against scipy in
// Tests/ExperimentsTests (fixture by Tests/Fixtures/scripts/make_experiment_fixtures.py).
import Foundation

public enum Verdict: String, Codable, Sendable {
    case holds, contradicted, inconclusive
    /// A claim whose premise the measurements do not meet (SuiteReport), e.g. a "stronger"
    /// teacher that is weaker than the student's baseline; never the verdict of an interval.
    case untestable
}

public struct PairedDifference: Codable, Equatable, Sendable {
    /// Per seed: value − reference, in seed order.
    public var perSeed: [Double]
    public var seeds: [Int]
    public var mean: Double
    /// 95 % interval of the mean difference (t, n − 1 dof); nil with fewer than 2 seeds.
    public var low: Double?
    public var high: Double?

    /// Differences of `value` − `reference` over the seeds both have.
    public init(value: [Int: Double], reference: [Int: Double]) {
        seeds = Set(value.keys).intersection(reference.keys).sorted()
        perSeed = seeds.map { value[$0]! - reference[$0]! }
        let n = perSeed.count
        mean = n == 0 ? .nan : perSeed.reduce(0, +) / Double(n)
        if n >= 2 {
            let sd = (perSeed.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
            let half = StudentT.quantile(0.975, dof: Double(n - 1)) * sd / Double(n).squareRoot()
            low = mean - half; high = mean + half
        }
    }

    /// A claim that the difference is positive (`positive: true`) or negative.
    public func verdict(positive: Bool) -> Verdict {
        guard let low, let high else { return .inconclusive }
        if positive ? low > 0 : high < 0 { return .holds }
        if positive ? high < 0 : low > 0 { return .contradicted }
        return .inconclusive
    }

    /// "+0.0123 [+0.0011, +0.0235]" (or "+0.0123 (1 seed)").
    public var text: String {
        guard let low, let high else { return String(format: "%+.4f (%d seed%@)", mean, perSeed.count, perSeed.count == 1 ? "" : "s") }
        return String(format: "%+.4f [%+.4f, %+.4f]", mean, low, high)
    }
}

public enum StudentT {
    /// P(T ≤ t) for Student's t with `dof` degrees of freedom.
    public static func cdf(_ t: Double, dof: Double) -> Double {
        let x = dof / (dof + t * t)
        let tail = 0.5 * regularizedBeta(x, a: dof / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The p-quantile (0 < p < 1) by bisection on `cdf` (to 1e-12).
    public static func quantile(_ p: Double, dof: Double) -> Double {
        precondition(p > 0 && p < 1 && dof > 0)
        var lo = -1e4, hi = 1e4
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if cdf(mid, dof: dof) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 { break }
        }
        return (lo + hi) / 2
    }

    /// The textbook two-sided 95 % critical values (naive reference for `quantile(0.975, …)`).
    public static let naiveTQuantile975: [Int: Double] = [
        1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228, 30: 2.042,
    ]

    /// I_x(a, b), the regularized incomplete beta function.
    static func regularizedBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnNorm: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let lnPowers: Double = a * log(x) + b * log(1 - x)
        let lnFront = lnNorm + lnPowers
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use symmetry otherwise.
        if x < (a + 1) / (a + b + 2) { return exp(lnFront) * betaFraction(x, a: a, b: b) / a }
        return 1 - exp(lnFront) * betaFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction of I_x(a, b) (modified Lentz).
    static func betaFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
