// Two-component 1-D Gaussian mixture fitted by EM, reproducing
//   sklearn.mixture.GaussianMixture(n_components=2, covariance_type='diag', tol=1e-3,
//       max_iter=100, reg_covar=1e-6, weights_init=[.5,.5], means_init=[[min],[max]],
//       precisions_init=[[1],[1]]).fit(X); predict(X); score_samples(X)
// as PAA calls it (SPEC §5 step 4). Double precision throughout. Shapes: n samples, K = 2.
//
// sklearn's arithmetic, followed operation by operation so results agree to rounding:
//   precision cholesky c_k = 1/√σ²_k (initially 1), precision λ_k = c_k²
//   log N(x; μ_k) = −½·(log 2π + (μ_k²λ_k − 2·x·(μ_kλ_k) + x²λ_k)) + log c_k   (expanded form)
//   ℓ_ik = log N + log π_k;  d_i = logsumexp_k ℓ_ik (sklearn's own variant);  r_ik = e^{ℓ_ik − d_i}
//   L = mean_i d_i  (numpy pairwise sum / n), computed BEFORE the M-step of the same iteration
//   N_k = Σ_i r_ik + 10·ε_f64;  μ_k = Σ r_ik x_i / N_k;  σ²_k = Σ r_ik x_i² / N_k − μ_k² + reg
//   fail if σ²_k ≤ 0 (sklearn raises);  π_k = N_k / (N_0 + N_1)
//   stop after the iteration's M-step when |L − L_prev| < tol (L_prev = −∞ at first).
// At max_iter without convergence sklearn warns and keeps the last M-step's parameters
// (`converged == false`). Labels and log-densities use the final parameters (predict /
// score_samples); label ties go to component 0 (numpy argmax).

/// A fitted two-component 1-D Gaussian mixture (see the file header for the exact algorithm).
public struct GaussianMixture1D: Equatable, Sendable {
    /// Mixture component. `foreground` is the component initialised at the sample minimum
    /// (index 0 in sklearn); it is never relabelled by fitted mean.
    public enum Component: Int, Sendable {
        case foreground = 0
        case background = 1
    }

    /// Which floating-point path to reproduce.
    public enum Arithmetic: Sendable, Equatable {
        /// sklearn on a float64 sample (SPEC §14: "implement the EM directly in Double").
        case float64
        /// sklearn on a float32 sample, as mmdet actually calls it (`pos_loss.cpu().numpy()` is
        /// float32). The sample is rounded to Float; x² is computed in Float (numpy `X*X` on a
        /// float32 array); the initial means are float32, so the first E-step squares them in
        /// Float. Everything else is float64, as numpy promotes it.
        case mmdetFloat32
    }

    /// EM settings; the defaults are sklearn's.
    public struct Options: Equatable, Sendable {
        public var maxIterations: Int
        public var tolerance: Double
        public var regCovar: Double
        public var arithmetic: Arithmetic

        public init(maxIterations: Int = 100, tolerance: Double = 1e-3, regCovar: Double = 1e-6,
                    arithmetic: Arithmetic = .float64) {
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.regCovar = regCovar
            self.arithmetic = arithmetic
        }
    }

    /// Fitted means [μ_fg, μ_bg] (index with `Component.rawValue`).
    public let means: [Double]
    /// Fitted variances [σ²_fg, σ²_bg], reg_covar included (sklearn `covariances_`).
    public let variances: [Double]
    /// Mixing weights [π_fg, π_bg].
    public let weights: [Double]
    /// Whether |ΔL| < tol was reached within `maxIterations` (sklearn `converged_`).
    public let converged: Bool
    /// EM iterations run (sklearn `n_iter_`).
    public let iterations: Int
    /// Mean log-likelihood of the last E-step (sklearn `lower_bound_`).
    public let lowerBound: Double
    /// Per-sample component under the final parameters (sklearn `predict`).
    public let labels: [Component]
    /// Per-sample mixture log-density under the final parameters (sklearn `score_samples`).
    public let logDensities: [Double]

    /// Fits the mixture to `sample` (any order; PAA passes it sorted ascending).
    public static func fit(_ sample: [Double], options: Options = Options()) throws(GMMFitError) -> GaussianMixture1D {
        precondition(options.maxIterations >= 1, "maxIterations must be ≥ 1")
        guard sample.count >= 2 else { throw .tooFewSamples(count: sample.count) }
        let float32 = options.arithmetic == .mmdetFloat32
        let x = float32 ? sample.map { Double(Float($0)) } : sample
        if let bad = x.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteSample(index: bad) }
        let xSquared = float32 ? x.map { Double(Float($0) * Float($0)) } : x.map { $0 * $0 }

        var state = EMState(means: [x.min() ?? 0, x.max() ?? 0])
        if float32 { state.meanSquares = state.means.map { Double(Float($0) * Float($0)) } }
        let n = x.count
        var logResp0 = [Double](repeating: 0, count: n), logResp1 = logResp0, logNorm = logResp0
        var lowerBound = -Double.infinity
        var converged = false
        var iterations = 0
        for iteration in 1...options.maxIterations {
            iterations = iteration
            let previous = lowerBound
            // E-step: ℓ_ik, d_i = logsumexp_k, log r_ik = ℓ_ik − d_i.   [n]
            for i in 0..<n {
                let (l0, l1) = state.weightedLogProb(x[i], xSquared[i])
                logNorm[i] = sklearnLogSumExp(l0, l1)
                logResp0[i] = l0 - logNorm[i]
                logResp1[i] = l1 - logNorm[i]
            }
            lowerBound = numpyPairwiseSum(logNorm) / Double(n)
            // M-step: responsibility-weighted sums, accumulated in sample order.   [K]
            var nk = [0.0, 0.0], sx = [0.0, 0.0], sxx = [0.0, 0.0]
            for i in 0..<n {
                for (k, logR) in [logResp0[i], logResp1[i]].enumerated() {
                    let r = libmExp(logR)
                    nk[k] += r
                    sx[k] += r * x[i]
                    sxx[k] += r * xSquared[i]
                }
            }
            for k in 0..<2 {
                nk[k] += 10 * Double.ulpOfOne
                let mean = sx[k] / nk[k]
                let variance = sxx[k] / nk[k] - mean * mean + options.regCovar
                guard variance.isFinite, mean.isFinite else { throw .nonFiniteParameters(iteration: iteration) }
                guard variance > 0 else { throw .illDefinedCovariance(iteration: iteration, component: k) }
                state.means[k] = mean
                state.meanSquares[k] = mean * mean
                state.variances[k] = variance
                state.precisionCholesky[k] = 1 / variance.squareRoot()
            }
            let total = nk[0] + nk[1]
            state.weights = [nk[0] / total, nk[1] / total]
            if abs(lowerBound - previous) < options.tolerance {
                converged = true
                break
            }
        }
        // Final parameters → labels (argmax, tie → 0) and log-densities.
        var labels: [Component] = []
        var logDensities: [Double] = []
        labels.reserveCapacity(n)
        logDensities.reserveCapacity(n)
        for i in 0..<n {
            let (l0, l1) = state.weightedLogProb(x[i], xSquared[i])
            labels.append(l1 > l0 ? .background : .foreground)
            logDensities.append(sklearnLogSumExp(l0, l1))
        }
        return GaussianMixture1D(means: state.means, variances: state.variances, weights: state.weights,
                                 converged: converged, iterations: iterations, lowerBound: lowerBound,
                                 labels: labels, logDensities: logDensities)
    }
}

/// Why a mixture fit produced no model. PAA skips the GT in every case (SPEC §5 step 5).
public enum GMMFitError: Error, Equatable, Sendable {
    /// Fewer than 2 samples (sklearn requires n ≥ n_components).
    case tooFewSamples(count: Int)
    /// A NaN or ±∞ sample (sklearn's input validation rejects it).
    case nonFiniteSample(index: Int)
    /// An M-step produced σ² ≤ 0 (sklearn raises "ill-defined empirical covariance"); happens
    /// when cancellation in E[x²] − μ² exceeds reg_covar.
    case illDefinedCovariance(iteration: Int, component: Int)
    /// An M-step produced a NaN/∞ mean or variance (sklearn would continue with garbage).
    case nonFiniteParameters(iteration: Int)
}

/// Parameters during EM. Initial state: the given means, precision 1, weights ½.
struct EMState {
    var means: [Double]
    /// μ_k² as the next E-step uses it (Float-rounded for the float32 initial means).
    var meanSquares: [Double]
    var variances: [Double] = [1, 1]
    var precisionCholesky: [Double] = [1, 1]
    var weights: [Double] = [0.5, 0.5]

    init(means: [Double]) {
        self.means = means
        meanSquares = means.map { $0 * $0 }
    }

    /// (ℓ_i0, ℓ_i1) = log N(x; μ_k, σ²_k) + log π_k, in sklearn's expanded form.
    func weightedLogProb(_ x: Double, _ xSquared: Double) -> (Double, Double) {
        func component(_ k: Int) -> Double {
            let lambda = precisionCholesky[k] * precisionCholesky[k]
            let quadratic = meanSquares[k] * lambda - 2.0 * (x * (means[k] * lambda)) + xSquared * lambda
            return -0.5 * (log2Pi + quadratic) + libmLog(precisionCholesky[k]) + libmLog(weights[k])
        }
        return (component(0), component(1))
    }
}

private let log2Pi = libmLog(2 * Double.pi)

/// sklearn's `_logsumexp` over two values: log1p(Σ_{non-max} e^{v − max} / m) + log m + max,
/// with m the number of entries equal to the max.
func sklearnLogSumExp(_ a: Double, _ b: Double) -> Double {
    let top = max(a, b)
    if a == b { return libmLog(2) + top }
    return libmLog1p(libmExp(min(a, b) - top)) + top
}

/// numpy's pairwise summation (`np.add.reduce` on a contiguous float64 array): blocks of ≤ 128
/// use 8 interleaved accumulators, larger arrays split in halves (rounded to multiples of 8).
func numpyPairwiseSum(_ a: [Double]) -> Double {
    a.withUnsafeBufferPointer { pairwiseSum($0[...]) }
}

private func pairwiseSum(_ a: Slice<UnsafeBufferPointer<Double>>) -> Double {
    let n = a.count, s = a.startIndex
    if n < 8 {
        var r = -0.0
        for v in a { r += v }
        return r
    }
    if n <= 128 {
        var r = (0..<8).map { a[s + $0] }
        var i = 8
        while i < n - n % 8 {
            for j in 0..<8 { r[j] += a[s + i + j] }
            i += 8
        }
        var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n { res += a[s + i]; i += 1 }
        return res
    }
    var half = n / 2
    half -= half % 8
    return pairwiseSum(a[s..<(s + half)]) + pairwiseSum(a[(s + half)...])
}
