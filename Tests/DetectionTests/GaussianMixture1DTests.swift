import Detection
import Foundation
import TestSupport
import XCTest

final class GaussianMixture1DTests: XCTestCase {
    typealias GMM = GaussianMixture1D

    func testOneIterationByHand() throws {
        // x = [0, 1]; init μ = (0, 1), σ² = 1, π = ½.
        // E-step: ℓ_00 − ℓ_01 = ½ (x = 0 is ½ closer to μ_0 in squared distance / 2), so
        //   r_00 = σ(½) = 0.622459, r_01 = σ(−½) = 0.377541; x = 1 mirrors it.
        //   d_i = −ln 2 − ½ln 2π + ln(1 + e^{−½}) for both points → L = d_0.
        // M-step: N_k = 1 (+10ε), μ_0 = r_10·1 = σ(−½), μ_1 = σ(½),
        //   σ²_k = E[x²] − μ² + 1e-6 = σ(−½) − σ(−½)² + 1e-6 = σ(½)σ(−½) + 1e-6; π = ½.
        let s = 1 / (1 + exp(-0.5)), sBar = 1 - s
        let fit = try GMM.fit([0, 1], options: .init(maxIterations: 1))
        assertClose(fit.means, [sBar, s], atol: 1e-12)
        assertClose(fit.variances, [s * sBar + 1e-6, s * sBar + 1e-6], atol: 1e-12)
        assertClose(fit.weights, [0.5, 0.5], atol: 1e-12)
        assertClose(fit.lowerBound, -log(2.0) - 0.5 * log(2 * Double.pi) + log(1 + exp(-0.5)), atol: 1e-12)
        XCTAssertEqual(fit.iterations, 1)
        XCTAssertFalse(fit.converged)   // max_iter reached: parameters are the last M-step's
        XCTAssertEqual(fit.labels, [.foreground, .background])
    }

    func testTooFewSamples() {
        for sample in [[Double](), [3.5]] {
            XCTAssertThrowsError(try GMM.fit(sample)) { error in
                XCTAssertEqual(error as? GMMFitError, .tooFewSamples(count: sample.count))
            }
        }
    }

    func testTwoSamplesSeparate() throws {
        // Two distinct points: each component collapses on its own point (σ² → reg_covar).
        let fit = try GMM.fit([1, 3])
        XCTAssertEqual(fit.labels, [.foreground, .background])
        XCTAssertTrue(fit.converged)
        assertClose(fit.means, [1, 3], atol: 1e-6)
    }

    func testAllEqualSamples() throws {
        // Both components stay identical: responsibilities ½ each, σ² ≈ reg_covar, every label
        // ties and goes to component 0 (sklearn: converged after 3 iterations, see gmm.json).
        let fit = try GMM.fit([2.5, 2.5, 2.5, 2.5])
        XCTAssertEqual(fit.labels, Array(repeating: .foreground, count: 4))
        XCTAssertEqual(fit.means[0], fit.means[1])
        XCTAssertEqual(fit.variances[0], fit.variances[1])
        assertClose(fit.variances[0], 1e-6, rtol: 1e-3)
        XCTAssertEqual(fit.iterations, 3)
        XCTAssertTrue(fit.converged)
    }

    func testNonFiniteSampleIsATypedFailure() {
        for bad in [Double.nan, .infinity, -.infinity] {
            XCTAssertThrowsError(try GMM.fit([0.5, bad, 2])) { error in
                XCTAssertEqual(error as? GMMFitError, .nonFiniteSample(index: 1))
            }
        }
        // Float32 path: a finite Double that overflows Float is rejected too.
        XCTAssertThrowsError(try GMM.fit([0, 1e300], options: .init(arithmetic: .mmdetFloat32))) { error in
            XCTAssertEqual(error as? GMMFitError, .nonFiniteSample(index: 1))
        }
    }

    func testFloat32ArithmeticCanFailWhereFloat64Succeeds() throws {
        // Two equal costs + one outlier: component 1 collapses onto the outlier, where
        // Σr·x²/N − μ² is the Float rounding error of x² (≈ ulp(100)/2 = 3.8e-6 > reg_covar),
        // so the float32 sample mmdet passes to sklearn can yield σ² ≤ 0 → "ill-defined
        // covariance". The float64 path fits fine. (Case from gmm.json, family heavy_outliers.)
        let fixture = try loadFixture(GMMFixture.self, "detection/gmm.json", kind: "gmm")
        let failing = try XCTUnwrap(fixture.cases.first { $0.float32.error != nil && $0.float64.error == nil })
        XCTAssertNoThrow(try GMM.fit(failing.sample))
        XCTAssertThrowsError(try GMM.fit(failing.sample, options: .init(arithmetic: .mmdetFloat32))) { error in
            guard case .illDefinedCovariance = error as? GMMFitError else { return XCTFail("\(error)") }
        }
    }

    /// Agreement with sklearn on ≥ 100 samples, both arithmetic paths.
    /// Exact: failures, iteration counts, converged flags, labels, positive sets — except for fits
    /// the generator flags `rounding_determined` (a nonzero label margin or density gap inside
    /// the rounding noise; the deliberately `indistinguishable` family, whose two components
    /// coincide): there only labels with margin ≥ 1e-3 must agree.
    /// Tolerances: 1e-9 relative to max(1, |value|) for means (tighter than needed: it pins the
    /// float32 path's details), 1e-6 for the lower bound and log-densities
    /// (so relative for the large-magnitude family), relative for weights and variances. The
    /// variances, lower bound and log-densities also get the cancellation allowance κ of
    /// `cancellation(sample:variances:)`: a component collapsed onto one point at |x| ~ 1e5 has
    /// σ² = reg_covar ± ε·x², i.e. its variance is rounding noise in sklearn itself (κ > 1 for 3
    /// large-magnitude fits; κ ≤ 1e-6 for 215 of the 239 fits). Measured worst cases: means 5e-13,
    /// weights 5e-9; where κ ≤ 1e-7, variances 2e-8, log-densities 1e-9.
    func testMatchesSklearn() throws {
        let fixture = try loadFixture(GMMFixture.self, "detection/gmm.json", kind: "gmm")
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 100)
        var checked = 0, roundingDetermined = 0
        for (i, c) in fixture.cases.enumerated() {
            for (arithmetic, expected) in [(GMM.Arithmetic.float64, c.float64), (.mmdetFloat32, c.float32)] {
                let tag = "case \(i) (\(c.family), n \(c.sample.count), \(arithmetic))"
                let options = GMM.Options(maxIterations: c.max_iter, arithmetic: arithmetic)
                if expected.error != nil {
                    XCTAssertThrowsError(try GMM.fit(c.sample, options: options), tag) { error in
                        guard case .illDefinedCovariance = error as? GMMFitError else { return XCTFail("\(tag): \(error)") }
                    }
                    continue
                }
                let fit: GMM
                do { fit = try GMM.fit(c.sample, options: options) } catch {
                    XCTFail("\(tag): unexpected \(error)"); continue
                }
                checked += 1
                XCTAssertEqual(fit.iterations, expected.n_iter, tag)
                XCTAssertEqual(fit.converged, expected.converged, tag)
                if expected.rounding_determined == true {
                    roundingDetermined += 1
                    let margins = expected.label_margins ?? []
                    for (k, label) in (expected.labels ?? []).enumerated() where margins[k] >= 1e-3 {
                        XCTAssertEqual(fit.labels[k].rawValue, label, "\(tag) point \(k)")
                    }
                } else {
                    XCTAssertEqual(fit.labels.map(\.rawValue), expected.labels, tag)
                    let separation = try? paaSeparation(sortedCosts: c.sample, options: options)
                    XCTAssertEqual(separation?.positiveIndices, expected.positives, tag)
                }
                let kappa = cancellation(sample: c.sample, variances: expected.variances ?? [])
                let scale = { (v: [Double]) in v.map { max(1, abs($0)) } }
                assertRelative(fit.means, expected.means, scale: scale(expected.means ?? []), tol: 1e-9, tag)
                assertRelative(fit.weights, expected.weights, scale: expected.weights ?? [], tol: 1e-6, tag)
                assertRelative(fit.variances, expected.variances, scale: expected.variances ?? [], tol: 1e-6 + kappa, tag)
                assertRelative([fit.lowerBound], expected.lower_bound.map { [$0] }, scale: [max(1, abs(expected.lower_bound ?? 0))],
                               tol: 1e-6 + kappa, tag)
                assertRelative(fit.logDensities, expected.score_samples, scale: scale(expected.score_samples ?? []),
                               tol: 1e-6 + kappa, tag)
            }
        }
        XCTAssertGreaterThan(checked, 200)
        XCTAssertLessThanOrEqual(roundingDetermined, 16, "the exact claim should cover nearly every fit")
    }

    /// Cancellation allowance: the M-step forms σ² = E[x²] − μ², which loses ~ε·max x² in
    /// absolute terms; relative to the smallest fitted variance that is κ = 64·ε·max x²/min σ².
    /// For O(1–10) costs κ ≲ 1e-8; it only matters for the all-equal / large-magnitude families.
    private func cancellation(sample: [Double], variances: [Double]) -> Double {
        let maxSquare = sample.map { $0 * $0 }.max() ?? 0
        guard let minVariance = variances.min(), minVariance > 0 else { return 0 }
        return 64 * Double.ulpOfOne * maxSquare / minVariance
    }

    private func assertRelative(_ actual: [Double], _ expected: [Double]?, scale: [Double], tol: Double, _ tag: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        guard let expected, expected.count == actual.count, scale.count == actual.count else {
            return XCTFail("\(tag): shape mismatch", file: file, line: line)
        }
        let scaledActual = zip(actual, scale).map { $0 / $1 }
        let scaledExpected = zip(expected, scale).map { $0 / $1 }
        assertClose(scaledActual, scaledExpected, atol: tol, rtol: 0, tag, file: file, line: line)
    }
}
