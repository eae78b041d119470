// FocalKL, the soft-label distillation loss of SPEC §8 (CoLAD's `FocalKLLoss`, use_sigmoid=True).
// z = student logit, p = σ(z), t = teacher probability (constant):
//   KL = t·(log t − log p) + (1 − t)·(log(1 − t) − log(1 − p)),  0·log 0 = 0
//   f  = ((t − p)² + 1e-6)^{γ/2}                                  (γ = 0.5)
//   ℓ  = f·KL
// with log p = logσ(z), log(1 − p) = logσ(z) − z. Gradient (product rule; autograd also
// differentiates the focal factor):
//   ∂KL/∂z = −t·(1 − p) + (1 − t)·p = p − t
//   ∂f/∂z  = (γ/2)·((t−p)² + 1e-6)^{γ/2 − 1} · 2(t − p) · (−p(1 − p))
//   ∂ℓ/∂z  = ∂f/∂z · KL + f · (p − t)

/// Default focusing exponent of the KD configs ("g05").
public let focalKLDefaultGamma: Double = 0.5

/// FocalKL of one student logit against a teacher probability, and its derivative w.r.t. the
/// logit. The teacher probability must lie in [0, 1].
@inlinable
public func focalKL<S: DetectionReal>(
    logit z: S, teacherProbability t: S, gamma: S = S(focalKLDefaultGamma)
) -> (loss: S, dLogit: S) {
    let (p, q, logP) = Logistic.parts(z)  // q = 1 − p without cancellation
    let logQ = logP - z
    let kl = xLogX(t) - t * logP + xLogX(1 - t) - (1 - t) * logQ
    let diff = t - p
    let base = diff * diff + S(1e-6)
    let f = S.pow(base, gamma / 2)
    // ∂f/∂z = (γ/2)·base^{γ/2}/base · 2(t − p) · (−p(1 − p))
    let dF = -gamma * (f / base) * diff * p * q
    return (f * kl, dF * kl + f * (p - t))
}

/// x·log x with the convention 0·log 0 = 0 (torch's `xlogy`, as used by `kl_div`).
@inlinable func xLogX<S: DetectionReal>(_ x: S) -> S { x == 0 ? 0 : x * S.log(x) }
