import Detection
import TestSupport
import XCTest

final class PAASeparationTests: XCTestCase {
    func testPositivesRuleByHand() {
        // F = {0, 1, 3} (index 2 is background); densities in F: 0.1, 0.5, 0.2 → peak at 1
        // → positives = F up to and including 1 = [0, 1].
        XCTAssertEqual(PAASeparation.positives(labels: [.foreground, .foreground, .background, .foreground],
                                               logDensities: [0.1, 0.5, 9, 0.2]), [0, 1])
        // Non-contiguous F whose density peak lies in the right tail: F = {0, 3, 4}, peak at 3
        // → [0, 3] (a high-cost candidate becomes positive; mmdet does the same).
        XCTAssertEqual(PAASeparation.positives(labels: [.foreground, .background, .background, .foreground, .foreground],
                                               logDensities: [-3, 1, 1, -1, -2]), [0, 3])
        // Ties in density go to the first maximum (torch topk(1) / numpy argmax).
        XCTAssertEqual(PAASeparation.positives(labels: [.foreground, .foreground, .foreground],
                                               logDensities: [0.5, 0.5, 0.1]), [0])
        // Empty F: no positives.
        XCTAssertEqual(PAASeparation.positives(labels: [.background, .background], logDensities: [1, 2]), [])
    }

    func testTwoClearClusters() throws {
        // Costs {0.10, 0.11, 0.12} and {2.0, 2.1, 2.2}: F = the low cluster; component 0 is
        // centred on 0.11 (symmetric cluster), so the density peaks there → positives [0, 1].
        let r = try paaSeparation(sortedCosts: [0.1, 0.11, 0.12, 2.0, 2.1, 2.2])
        XCTAssertEqual(r.fit.labels, [.foreground, .foreground, .foreground, .background, .background, .background])
        XCTAssertEqual(r.positiveIndices, [0, 1])
        XCTAssertEqual(r.positiveCount, 2)
        assertClose(r.fit.means[0], 0.11, atol: 1e-9)
        // Float input gives the same decision.
        XCTAssertEqual(try paaSeparation(sortedCosts: [Float](arrayLiteral: 0.1, 0.11, 0.12, 2.0, 2.1, 2.2)).positiveIndices, [0, 1])
    }

    func testDegenerateInputs() throws {
        for costs in [[Double](), [0.7]] {
            XCTAssertThrowsError(try paaSeparation(sortedCosts: costs)) { error in
                XCTAssertEqual(error as? PAASeparationError, .tooFewCandidates(count: costs.count))
            }
        }
        // Two candidates: each component takes one point, the cheaper one is the positive.
        XCTAssertEqual(try paaSeparation(sortedCosts: [0.3, 1.9]).positiveIndices, [0])
        // All equal: identical components, every label ties to 0, every density ties → [0].
        XCTAssertEqual(try paaSeparation(sortedCosts: [1.0, 1.0, 1.0]).positiveIndices, [0])
        XCTAssertThrowsError(try paaSeparation(sortedCosts: [0.1, 0.3, 0.2])) { error in
            XCTAssertEqual(error as? PAASeparationError, .notSorted(index: 2))
        }
        XCTAssertThrowsError(try paaSeparation(sortedCosts: [0.1, .nan, 0.2])) { error in
            XCTAssertEqual(error as? PAASeparationError, .fitFailed(.nonFiniteSample(index: 1)))
        }
    }

    func testRightTailPositiveFromSklearnFixture() throws {
        // sklearn produced at least one fit whose positive set is not a prefix of the sorted
        // candidates (F non-contiguous, peak in the right tail); we reproduce it exactly.
        let fixture = try loadFixture(GMMFixture.self, "detection/gmm.json", kind: "gmm")
        let cases = fixture.cases.filter { c in
            guard let p = c.float64.positives, c.float64.rounding_determined == false else { return false }
            return p != Array(0..<p.count)
        }
        XCTAssertFalse(cases.isEmpty)
        for c in cases {
            XCTAssertEqual(try paaSeparation(sortedCosts: c.sample).positiveIndices, c.float64.positives)
        }
    }
}
