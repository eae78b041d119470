// The CoLAD switching rule (SPEC §9, DESIGN.md §2) as one pure component: statistics in,
// decision out. The single-process reference and the distributed coordinator call this same
// code. Conventions follow SPEC §9: network A is the "student slot" (statistics s_*), network B
// the "teacher slot" (t_*); ties go to B.

/// Which network's costs assign the labels.
public enum Teacher: String, Codable, Sendable, Equatable {
    case a, b
}

/// The rules of `colad.rule`.
public enum TeacherRuleKind: String, Codable, Sendable, CaseIterable {
    case stdMean = "std-mean", mean, fixedA = "fixed-a", fixedB = "fixed-b"
}

/// Cost statistics of one candidate set C_{g,l} (one object on one level) for one network.
public struct CostStats: Codable, Equatable, Sendable {
    public var count: Int
    public var mean: Double
    /// Unbiased (n − 1) standard deviation; nil when count < 2.
    public var std: Double?
    public init(count: Int, mean: Double, std: Double?) { self.count = count; self.mean = mean; self.std = std }
}

/// Batch-level aggregates (SPEC §9 step 5): means over (object, level) pairs of the per-pair mean,
/// and of the per-pair std over pairs with ≥ 2 candidates. A sum form so ranks can add theirs.
public struct AggregateStats: Codable, Equatable, Sendable {
    public var pairs = 0
    public var sumMean = 0.0
    public var stdPairs = 0
    public var sumStd = 0.0

    public init() {}

    public mutating func add(_ s: CostStats) {
        pairs += 1; sumMean += s.mean
        if let sd = s.std { stdPairs += 1; sumStd += sd }
    }

    public mutating func merge(_ o: AggregateStats) {
        pairs += o.pairs; sumMean += o.sumMean; stdPairs += o.stdPairs; sumStd += o.sumStd
    }

    public var mean: Double? { pairs > 0 ? sumMean / Double(pairs) : nil }
    public var std: Double? { stdPairs > 0 ? sumStd / Double(stdPairs) : nil }
}

public struct TeacherRule: Sendable, Equatable {
    public var kind: TeacherRuleKind
    public init(_ kind: TeacherRuleKind) { self.kind = kind }

    /// Object granularity: the decision for one candidate set, from A's and B's statistics of it.
    /// std-mean: |C| ≥ 2 → B iff sd_B/m_B ≥ sd_A/m_A; |C| = 1 → B iff m_B < m_A.
    public func decide(a: CostStats, b: CostStats) -> Teacher {
        switch kind {
        case .fixedA: return .a
        case .fixedB: return .b
        case .mean: return b.mean < a.mean ? .b : .a
        case .stdMean:
            if let sa = a.std, let sb = b.std, a.count >= 2 {
                return ratio(sb, b.mean) >= ratio(sa, a.mean) ? .b : .a
            }
            return b.mean < a.mean ? .b : .a
        }
    }

    /// Iteration granularity: one decision from batch aggregates (same comparisons on the
    /// averaged mean and std). No candidates at all → A.
    public func decide(a: AggregateStats, b: AggregateStats) -> Teacher {
        switch kind {
        case .fixedA: return .a
        case .fixedB: return .b
        case .mean, .stdMean:
            guard let ma = a.mean, let mb = b.mean else { return .a }
            if kind == .stdMean, let sa = a.std, let sb = b.std {
                return ratio(sb, mb) >= ratio(sa, ma) ? .b : .a
            }
            return mb < ma ? .b : .a
        }
    }

    /// std/mean with the degenerate cases ordered sensibly (mean ≤ 0 cannot happen for focal +
    /// GIoU costs, but a rule must not trap): a zero mean with zero std is ratio 0.
    @inline(__always) func ratio(_ sd: Double, _ mean: Double) -> Double {
        mean > 0 ? sd / mean : (sd > 0 ? .infinity : 0)
    }
}
