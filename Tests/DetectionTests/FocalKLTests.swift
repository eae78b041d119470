import Detection
import Foundation
import TestSupport
import XCTest

final class FocalKLTests: XCTestCase {
    func testByHand() {
        // z = 0, t = 1: p = ½, KL = 1·(0 − ln ½) + 0·(…) = ln 2 (0·log 0 = 0).
        // f = (¼ + 1e-6)^{0.25};  ℓ = f·ln 2.
        // ∂f/∂z = −γ·(f/base)·(t − p)·p(1 − p) = −0.5·f/(¼ + 1e-6)·½·¼;  ∂KL/∂z = p − t = −½.
        let ln2 = log(2.0), base = 0.25 + 1e-6, f = pow(base, 0.25)
        let r = focalKL(logit: Float(0), teacherProbability: 1)
        assertClose(r.loss, Float(f * ln2), atol: 1e-7)
        assertClose(r.dLogit, Float(-0.5 * f / base * 0.125 * ln2 + f * -0.5), atol: 1e-7)
        // t = p: KL = 0 and ∂ℓ/∂z = 0 (the focal factor sits at (1e-6)^{0.25}).
        let same = focalKL(logit: 0.0, teacherProbability: 0.5)
        XCTAssertEqual(same.loss, 0, accuracy: 1e-15)
        XCTAssertEqual(same.dLogit, 0, accuracy: 1e-15)
    }

    func testEdgeTargetsAreFinite() {
        for z: Float in [-80, -20, 0, 20, 80] {
            for t: Float in [0, 1] {
                let r = focalKL(logit: z, teacherProbability: t)
                XCTAssertTrue(r.loss.isFinite && r.dLogit.isFinite, "z \(z) t \(t)")
                XCTAssertGreaterThanOrEqual(r.loss, 0)
            }
        }
    }

    func testGradientMatchesFiniteDifferences() {
        for z in stride(from: -10.0, through: 10.0, by: 0.41) {
            for t in [0.0, 0.03, 0.5, 0.77, 1.0] {
                let numeric = numericGradient([z]) { focalKL(logit: $0[0], teacherProbability: t).loss }[0]
                assertClose(focalKL(logit: z, teacherProbability: t).dLogit, numeric, atol: 1e-8, rtol: 1e-6, "z \(z) t \(t)")
            }
        }
    }

    func testMatchesNumpyReference() throws {
        let f = try loadFixture(LossesFixture.self, "detection/losses.json", kind: "losses")
        for r in f.focal_kl {
            let d = focalKL(logit: r.z, teacherProbability: r.t)
            assertClose(d.loss, r.loss, atol: 1e-12, rtol: 1e-10, "z \(r.z) t \(r.t)")
            assertClose(d.dLogit, r.d_z, atol: 1e-8, rtol: 1e-6, "z \(r.z) t \(r.t)")
            // Float: KL is a difference of O(|z|) terms (≤ 30), so its absolute error is ~30·1e-7.
            let s = focalKL(logit: Float(r.z), teacherProbability: Float(r.t))
            assertClose(Double(s.loss), r.loss, atol: 1e-5, rtol: 1e-5, "z \(r.z) t \(r.t)")
            assertClose(Double(s.dLogit), r.d_z, atol: 1e-5, rtol: 1e-5, "z \(r.z) t \(r.t)")
        }
    }
}
