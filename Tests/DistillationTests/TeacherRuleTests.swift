import Distillation
import XCTest

final class TeacherRuleTests: XCTestCase {
    let rule = TeacherRule(.stdMean)

    /// std-mean, |C| ≥ 2: B iff sd_B/m_B ≥ sd_A/m_A. A: 1/4 = 0.25; B: 1/2 = 0.5 → B.
    func testLargerCoefficientOfVariationWins() {
        XCTAssertEqual(rule.decide(a: CostStats(count: 5, mean: 4, std: 1), b: CostStats(count: 5, mean: 2, std: 1)), .b)
        XCTAssertEqual(rule.decide(a: CostStats(count: 5, mean: 2, std: 1), b: CostStats(count: 5, mean: 4, std: 1)), .a)
    }

    /// A tie goes to B (SPEC §9: "pick B iff ratio_B ≥ ratio_A").
    func testTieGoesToB() {
        XCTAssertEqual(rule.decide(a: CostStats(count: 3, mean: 2, std: 1), b: CostStats(count: 3, mean: 4, std: 2)), .b)
        XCTAssertEqual(TeacherRule(.mean).decide(a: CostStats(count: 3, mean: 2, std: 1), b: CostStats(count: 3, mean: 2, std: 9)), .a,
                       "mean rule: B only when strictly lower")
    }

    /// |C| = 1: the lower mean cost wins (ties to A, since B needs m_B < m_A).
    func testSingleCandidateUsesLowerMean() {
        XCTAssertEqual(rule.decide(a: CostStats(count: 1, mean: 3, std: nil), b: CostStats(count: 1, mean: 2, std: nil)), .b)
        XCTAssertEqual(rule.decide(a: CostStats(count: 1, mean: 2, std: nil), b: CostStats(count: 1, mean: 3, std: nil)), .a)
        XCTAssertEqual(rule.decide(a: CostStats(count: 1, mean: 2, std: nil), b: CostStats(count: 1, mean: 2, std: nil)), .a)
    }

    func testFixedAndMeanRules() {
        let a = CostStats(count: 4, mean: 1, std: 0.1), b = CostStats(count: 4, mean: 9, std: 5)
        XCTAssertEqual(TeacherRule(.fixedA).decide(a: b, b: a), .a)
        XCTAssertEqual(TeacherRule(.fixedB).decide(a: a, b: b), .b)
        XCTAssertEqual(TeacherRule(.mean).decide(a: a, b: b), .a)
        XCTAssertEqual(TeacherRule(.mean).decide(a: b, b: a), .b)
    }

    /// Iteration granularity on aggregates: mean of means and mean of stds over the pairs.
    /// A: pairs (m 2, sd 1), (m 4, sd 1) → mean 3, std 1 → 0.333; B: (m 1, sd 1), (m 1, sd nil) → mean 1, std 1 → 1 → B.
    func testAggregateDecision() {
        var a = AggregateStats(), b = AggregateStats()
        a.add(CostStats(count: 3, mean: 2, std: 1)); a.add(CostStats(count: 3, mean: 4, std: 1))
        b.add(CostStats(count: 3, mean: 1, std: 1)); b.add(CostStats(count: 1, mean: 1, std: nil))
        XCTAssertEqual(a.mean, 3); XCTAssertEqual(a.std, 1); XCTAssertEqual(b.mean, 1); XCTAssertEqual(b.std, 1)
        XCTAssertEqual(rule.decide(a: a, b: b), .b)
        // Merging partial sums from two ranks equals adding all pairs to one aggregate.
        var a1 = AggregateStats(), a2 = AggregateStats()
        a1.add(CostStats(count: 3, mean: 2, std: 1)); a2.add(CostStats(count: 3, mean: 4, std: 1))
        a1.merge(a2)
        XCTAssertEqual(a1, a)
        // No candidates anywhere: A; only single-candidate pairs: the lower mean.
        XCTAssertEqual(rule.decide(a: AggregateStats(), b: AggregateStats()), .a)
        var s1 = AggregateStats(), s2 = AggregateStats()
        s1.add(CostStats(count: 1, mean: 5, std: nil)); s2.add(CostStats(count: 1, mean: 4, std: nil))
        XCTAssertEqual(rule.decide(a: s1, b: s2), .b)
    }

    /// Degenerate costs never trap: zero mean orders by std.
    func testDegenerateMeans() {
        XCTAssertEqual(rule.decide(a: CostStats(count: 2, mean: 0, std: 0), b: CostStats(count: 2, mean: 1, std: 0.5)), .b)
        XCTAssertEqual(rule.decide(a: CostStats(count: 2, mean: 0, std: 1), b: CostStats(count: 2, mean: 1, std: 0.5)), .a)
    }
}
