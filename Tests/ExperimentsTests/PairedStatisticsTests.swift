@testable import Experiments
import Foundation
import TestSupport
import XCTest

/// Student's t and the paired intervals: a hand case, the textbook table, and scipy.
final class PairedStatisticsTests: XCTestCase {
    func testHandComputedInterval() {
        // Differences 0.01, 0.03, 0.02: mean 0.02, sd 0.01, se 0.01/√3; t(0.975, 2) = 4.302653 →
        // half width 0.0248414.
        let d = PairedDifference(value: [0: 0.21, 1: 0.33, 2: 0.52], reference: [0: 0.20, 1: 0.30, 2: 0.50])
        XCTAssertEqual(d.seeds, [0, 1, 2])
        XCTAssertEqual(d.mean, 0.02, accuracy: 1e-12)
        XCTAssertEqual(d.low!, 0.02 - 0.0248414, accuracy: 1e-6); XCTAssertEqual(d.high!, 0.02 + 0.0248414, accuracy: 1e-6)
        XCTAssertEqual(d.verdict(positive: true), .inconclusive)   // the interval reaches below 0
        // Only the seeds both sides have are paired.
        let partial = PairedDifference(value: [0: 1, 1: 2, 5: 9], reference: [1: 1, 0: 0.5, 7: 3])
        XCTAssertEqual(partial.seeds, [0, 1]); XCTAssertEqual(partial.perSeed, [0.5, 1])
        // One seed: no interval, never a verdict.
        let one = PairedDifference(value: [0: 0.3], reference: [0: 0.1])
        XCTAssertNil(one.low); XCTAssertEqual(one.verdict(positive: true), .inconclusive)
    }

    func testVerdicts() {
        // Differences 0.010, 0.012, 0.011: mean 0.011, sd 0.001, half width 4.303 × 0.001/√3 = 0.0025.
        let up = PairedDifference(value: [0: 0.31, 1: 0.312, 2: 0.311], reference: [0: 0.30, 1: 0.30, 2: 0.30])
        XCTAssertEqual(up.low!, 0.011 - 0.0024842, accuracy: 1e-6)
        XCTAssertEqual(up.verdict(positive: true), .holds)
        XCTAssertEqual(up.verdict(positive: false), .contradicted)
        let flat = PairedDifference(value: [0: 0.31, 1: 0.29, 2: 0.30], reference: [0: 0.30, 1: 0.30, 2: 0.30])
        XCTAssertEqual(flat.verdict(positive: true), .inconclusive); XCTAssertEqual(flat.verdict(positive: false), .inconclusive)
    }

    func testQuantilesAgreeWithTheTextbookTable() {
        for (dof, value) in StudentT.naiveTQuantile975 {
            XCTAssertEqual(StudentT.quantile(0.975, dof: Double(dof)), value, accuracy: 5e-4, "dof \(dof)")
        }
    }

    func testAgreesWithScipy() throws {
        let fx = try loadFixtureJSON("experiments/student_t.json") as! [String: Any]
        for c in fx["cdf"] as! [[String: Double]] {
            XCTAssertEqual(StudentT.cdf(c["t"]!, dof: c["dof"]!), c["p"]!, accuracy: 1e-10, "t \(c["t"]!) dof \(c["dof"]!)")
        }
        for q in fx["quantiles"] as! [[String: Double]] {
            XCTAssertEqual(StudentT.quantile(0.975, dof: q["dof"]!), q["q975"]!, accuracy: 1e-9, "dof \(q["dof"]!)")
        }
        for case_ in fx["intervals"] as! [[String: Any]] {
            let diffs = case_["diffs"] as! [Double]
            let d = PairedDifference(value: Dictionary(uniqueKeysWithValues: diffs.enumerated().map { ($0.offset, $0.element) }),
                                     reference: Dictionary(uniqueKeysWithValues: diffs.indices.map { ($0, 0.0) }))
            XCTAssertEqual(d.mean, case_["mean"] as! Double, accuracy: 1e-12)
            XCTAssertEqual(d.low!, case_["low"] as! Double, accuracy: 1e-10); XCTAssertEqual(d.high!, case_["high"] as! Double, accuracy: 1e-10)
        }
    }
}
