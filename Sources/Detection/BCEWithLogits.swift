// Binary cross-entropy with logits against a soft target t ∈ [0, 1] (the IoU-prediction loss,
// SPEC §4), as torch's `binary_cross_entropy_with_logits`:
//   L = (1 − t)·z + softplus(−z) = −t·log σ(z) − (1 − t)·log(1 − σ(z))
//   ∂L/∂z = σ(z) − t
// softplus(−z) = max(−z, 0) + log1p(e^{−|z|}) is stable for every finite z.

/// Soft-target binary cross-entropy of one logit, and its derivative w.r.t. the logit.
/// The target is a constant (no gradient flows to it).
@inlinable
public func bceWithLogits<S: DetectionReal>(logit z: S, target t: S) -> (loss: S, dLogit: S) {
    ((1 - t) * z + Logistic.softplus(-z), Logistic.sigmoid(z) - t)
}
