import Detection
import Foundation
import TestSupport
import XCTest

final class SigmoidFocalLossTests: XCTestCase {
    func testByHand() {
        // z = 0 → p = ½, log p = log(1 − p) = −ln 2.
        // y = 1: L = −0.25·(½)²·(−ln 2) = 0.0625·ln 2;  ∂L/∂z = 0.25·¼·(2·½·(−ln 2) − ½) = −0.0625·(ln 2 + ½).
        // y = 0: L = 0.75·¼·ln 2 = 0.1875·ln 2;          ∂L/∂z = 0.75·¼·(½ + 2·½·ln 2) = 0.1875·(½ + ln 2).
        let ln2 = log(2.0)
        let pos = sigmoidFocalLoss(logit: Float(0), isPositive: true)
        let neg = sigmoidFocalLoss(logit: Float(0), isPositive: false)
        assertClose(pos.loss, Float(0.0625 * ln2), atol: 1e-7)
        assertClose(pos.dLogit, Float(-0.0625 * (ln2 + 0.5)), atol: 1e-7)
        assertClose(neg.loss, Float(0.1875 * ln2), atol: 1e-7)
        assertClose(neg.dLogit, Float(0.1875 * (0.5 + ln2)), atol: 1e-7)
    }

    func testStableAtExtremeLogits() {
        // Very confident and right: loss → 0 without NaN; very confident and wrong: loss ≈ α·|z|.
        for z: Float in [-200, -60, 60, 200] {
            let r = sigmoidFocalLoss(logit: z, isPositive: z > 0)
            XCTAssertTrue(r.loss.isFinite && r.dLogit.isFinite)
            XCTAssertEqual(r.loss, 0, accuracy: 1e-20)
            let w = sigmoidFocalLoss(logit: z, isPositive: z < 0)
            assertClose(w.loss, (z < 0 ? 0.25 : 0.75) * abs(z), rtol: 1e-5)
        }
    }

    func testAnchorSumByHand() {
        // C = 3, all logits 0, target class 1: one positive term + two negative terms
        // = 0.0625·ln 2 + 2·0.1875·ln 2 = 0.4375·ln 2. Background: 3·0.1875·ln 2.
        let logits: [Float] = [0, 0, 0]
        assertClose(sigmoidFocalLossSum(logits: logits, target: .object(classIndex: 1)), Float(0.4375 * log(2.0)), atol: 1e-7)
        assertClose(sigmoidFocalLossSum(logits: logits, target: .background), Float(0.5625 * log(2.0)), atol: 1e-7)
        XCTAssertEqual(sigmoidFocalLossSum(logits: [Float](), target: .background), 0)
    }

    func testGradientMatchesFiniteDifferences() {
        for z in stride(from: -9.0, through: 9.0, by: 0.37) {
            for y in [false, true] {
                let numeric = numericGradient([z]) { sigmoidFocalLoss(logit: $0[0], isPositive: y).loss }[0]
                assertClose(sigmoidFocalLoss(logit: z, isPositive: y).dLogit, numeric, atol: 1e-8, rtol: 1e-6, "z \(z) y \(y)")
            }
        }
    }

    func testMatchesNumpyReference() throws {
        let f = try loadFixture(LossesFixture.self, "detection/losses.json", kind: "losses")
        for r in f.focal {
            let d = sigmoidFocalLoss(logit: r.z, isPositive: r.y == 1)
            assertClose(d.loss, r.loss, atol: 1e-12, rtol: 1e-10, "z \(r.z) y \(r.y)")
            assertClose(d.dLogit, r.d_z, atol: 1e-8, rtol: 1e-6, "z \(r.z) y \(r.y)")
            // Float: a handful of rounded ops on O(1) quantities (≤ 22 at |z| = 30).
            let s = sigmoidFocalLoss(logit: Float(r.z), isPositive: r.y == 1)
            assertClose(Double(s.loss), r.loss, atol: 1e-6, rtol: 1e-5, "z \(r.z) y \(r.y)")
            assertClose(Double(s.dLogit), r.d_z, atol: 1e-6, rtol: 1e-5, "z \(r.z) y \(r.y)")
        }
        for a in f.focal_anchor_sums {
            let target: ClassTarget = a.target.map { .object(classIndex: $0) } ?? .background
            assertClose(sigmoidFocalLossSum(logits: a.logits, target: target), a.sum, atol: 1e-12, rtol: 1e-10)
            assertClose(Double(sigmoidFocalLossSum(logits: a.logits.map { Float($0) }, target: target)), a.sum, atol: 1e-6, rtol: 1e-5)
        }
    }
}
