import Detection
import Foundation
import TestSupport
import XCTest

final class BCEWithLogitsTests: XCTestCase {
    func testByHand() {
        // z = 0, t = 0.3: L = 0.7·0 + softplus(0) = ln 2; ∂L/∂z = σ(0) − 0.3 = 0.2.
        let a = bceWithLogits(logit: Float(0), target: 0.3)
        assertClose(a.loss, Float(log(2.0)), atol: 1e-7)
        assertClose(a.dLogit, 0.2, atol: 1e-7)
        // z = 2, t = 1: L = softplus(−2) = ln(1 + e^{−2}) = 0.126928; ∂L/∂z = σ(2) − 1 = −0.119203.
        let b = bceWithLogits(logit: Float(2), target: 1)
        assertClose(b.loss, Float(log(1 + exp(-2.0))), atol: 1e-7)
        assertClose(b.dLogit, Float(1 / (1 + exp(-2.0)) - 1), atol: 1e-7)
        XCTAssertLessThan(b.dLogit, 0, "a target above σ(z) must pull the logit up")
        // Stable: z = ±100 with t = ½ gives L = 50 (+ ~0) and finite gradients.
        assertClose(bceWithLogits(logit: Float(100), target: 0.5).loss, 50, rtol: 1e-6)
        assertClose(bceWithLogits(logit: Float(-100), target: 0.5).loss, 50, rtol: 1e-6)
    }

    func testGradientMatchesFiniteDifferences() {
        for z in stride(from: -12.0, through: 12.0, by: 0.53) {
            for t in [0.0, 0.17, 0.5, 0.93, 1.0] {
                let numeric = numericGradient([z]) { bceWithLogits(logit: $0[0], target: t).loss }[0]
                assertClose(bceWithLogits(logit: z, target: t).dLogit, numeric, atol: 1e-8, rtol: 1e-6, "z \(z) t \(t)")
            }
        }
    }

    func testMatchesNumpyReference() throws {
        let f = try loadFixture(LossesFixture.self, "detection/losses.json", kind: "losses")
        for r in f.bce {
            let d = bceWithLogits(logit: r.z, target: r.t)
            assertClose(d.loss, r.loss, atol: 1e-12, rtol: 1e-10, "z \(r.z) t \(r.t)")
            assertClose(d.dLogit, r.d_z, atol: 1e-8, rtol: 1e-6, "z \(r.z) t \(r.t)")
            // Float: (1 − t)·z + softplus(−z) cancels for z ≪ 0; |terms| ≤ 30 → |error| ≲ 30·1e-7.
            let s = bceWithLogits(logit: Float(r.z), target: Float(r.t))
            assertClose(Double(s.loss), r.loss, atol: 1e-5, rtol: 1e-5, "z \(r.z) t \(r.t)")
            assertClose(Double(s.dLogit), r.d_z, atol: 1e-6, rtol: 1e-5, "z \(r.z) t \(r.t)")
        }
    }
}
