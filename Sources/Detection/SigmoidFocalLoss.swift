// Sigmoid focal loss (SPEC §4; α = 0.25, γ = 2), per element and summed over one anchor's classes.
//
// With p = σ(z), log p = logσ(z) and log(1−p) = logσ(z) − z (both stable for any finite z):
//   y = 1:  L = −α·(1−p)^γ·log p              ∂L/∂z = α·(1−p)^γ·(γ·p·log p − (1−p))
//   y = 0:  L = −(1−α)·p^γ·log(1−p)           ∂L/∂z = (1−α)·p^γ·(p − γ·(1−p)·log(1−p))
// The gradients differentiate through the focal factor too, as autograd does for mmdet's
// `py_sigmoid_focal_loss`. Derivation for y = 1: ∂(1−p)^γ/∂z = −γ(1−p)^γ·p and
// ∂(−log p)/∂z = −(1−p); y = 0 is symmetric with ∂p^γ/∂z = γ·p^γ·(1−p), ∂(−log(1−p))/∂z = p.
// (mmcv's CUDA kernel clamps log p at log(FLT_MIN) ≈ −87.3; that only differs for |z| > 87.)

/// The classification target of one anchor: background (all-zero one-hot) or one class.
public enum ClassTarget: Hashable, Sendable {
    case background
    /// Foreground of class `classIndex` in 0..<C.
    case object(classIndex: Int)
}

/// Default focal parameters of the PAA head.
public enum FocalDefaults {
    public static let alpha: Double = 0.25
    public static let gamma: Double = 2.0
}

/// Sigmoid focal loss of one logit against a binary target, and its derivative w.r.t. the logit.
@inlinable
public func sigmoidFocalLoss<S: DetectionReal>(
    logit z: S, isPositive: Bool, alpha: S = S(FocalDefaults.alpha), gamma: S = S(FocalDefaults.gamma)
) -> (loss: S, dLogit: S) {
    let (p, q, logP) = Logistic.parts(z)  // q = 1 − p without cancellation
    if isPositive {
        let w = S.pow(q, gamma)
        return (-alpha * w * logP, alpha * w * (gamma * p * logP - q))
    }
    let logQ = logP - z
    let w = S.pow(p, gamma)
    return (-(1 - alpha) * w * logQ, (1 - alpha) * w * (p - gamma * q * logQ))
}

/// Σ over the C classes of one anchor of the focal loss against the one-hot of `target`
/// (background = all zeros). This is the classification term of the PAA anchor cost, which sums
/// over every class, the C−1 non-target ones included.
@inlinable
public func sigmoidFocalLossSum<C: Collection>(
    logits: C, target: ClassTarget,
    alpha: C.Element = C.Element(FocalDefaults.alpha), gamma: C.Element = C.Element(FocalDefaults.gamma)
) -> C.Element where C.Element: DetectionReal {
    var positiveIndex = -1
    if case .object(let c) = target {
        precondition(c >= 0 && c < logits.count, "class index \(c) outside 0..<\(logits.count)")
        positiveIndex = c
    }
    var sum: C.Element = 0
    for (c, z) in logits.enumerated() {
        sum += sigmoidFocalLoss(logit: z, isPositive: c == positiveIndex, alpha: alpha, gamma: gamma).loss
    }
    return sum
}
