// Group normalisation, NHWC. Legend: N batch, P = H·W positions, C channels, G groups,
// Cg = C/G channels per group; statistics per (n, g) over P·Cg values.
//
//   x, y  [N, P, C]     gamma, beta [C]     mean, rstd [N, G]
//   xhat = (x − mean) · rstd,   y = xhat · gamma + beta
// Backward (per (n, g), M = P·Cg):
//   dgamma[c] += Σ dy·xhat,  dbeta[c] += Σ dy,  dxhat = dy·gamma
//   dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat·xhat))
// With `relu: true` the layer is GroupNorm followed by ReLU, fused: y = max(0, x̂·γ + β), and
// backward masks dy where x̂·γ + β ≤ 0 (recomputed from the saved x̂; γ, β do not change between
// forward and backward). This saves two passes over the activations per norm+ReLU pair.
// Forward reads x twice (Σx and Σx² together, then x̂ and y); backward reads dy and x̂ twice
// (the masked sums, then dx). Sums are accumulated in Double (order fixed: positions, then
// channels), so results are deterministic and the variance E[x²] − mean² keeps its precision.

public final class GroupNorm {
    public let groups: Int
    public let channels: Int
    public let eps: Float
    public let gamma: Parameter
    public let beta: Parameter
    /// Fused ReLU after the affine transform.
    public let relu: Bool
    private var savedXhat: [Float] = []
    private var savedRstd: [Float] = []
    private var savedShape: [Int] = []

    /// A second application of `other`'s affine parameters with its own saved statistics.
    public init(sharing other: GroupNorm) {
        groups = other.groups; channels = other.channels; eps = other.eps; gamma = other.gamma; beta = other.beta
        relu = other.relu
    }

    public init(_ store: ParameterStore, name: String, channels: Int, groups: Int, eps: Float = 1e-5, relu: Bool = false,
                trainable: Bool = true) {
        precondition(channels % groups == 0, "GroupNorm(\(name)): \(channels) channels not divisible by \(groups) groups")
        self.groups = groups
        self.channels = channels
        self.eps = eps
        self.relu = relu
        gamma = store.register("\(name).weight", shape: [channels], init: .constant(1), trainable: trainable)
        beta = store.register("\(name).bias", shape: [channels], init: .constant(0), trainable: trainable)
    }

    public func forward(_ x: Tensor, training: Bool = true) -> Tensor {
        let c = channels, groups = self.groups
        precondition(x.shape.last == c, "GroupNorm(\(gamma.name)): input \(x.shape), expected C = \(c)")
        let n = x.shape[0]
        let p = x.count / (n * c)
        let cg = c / groups
        let m = Double(p * cg)
        let eps = Double(self.eps)
        var xhat = [Float](unsafeUninitializedCapacity: training ? x.count : 0) { _, k in k = training ? x.count : 0 }
        var rstds = [Float](repeating: 0, count: n * groups)
        let (pg, pb) = (gamma.values, beta.values)
        let floor: Float = relu ? 0 : -.infinity
        // Per-image scratch, allocated here so the workers never allocate.
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n * c)   // Σx, then Σx², per image
        let stats = UnsafeMutablePointer<Float>.allocate(capacity: 2 * n * c)
        defer { sums.deallocate(); stats.deallocate() }
        sums.initialize(repeating: 0, count: 2 * n * c)
        let y = Tensor(shape: x.shape) { py in
            x.withPointer { px in xhat.withUnsafeMutableBufferPointer { hx in rstds.withUnsafeMutableBufferPointer { rs in
                let hbase = training ? hx.baseAddress : nil, rbase = rs.baseAddress!
                Parallel.forEach(n) { b in
                    let xb = px + b * p * c, yb = py + b * p * c
                    let chanSum = sums + b * c, mean = stats + 2 * b * c, rstd = mean + c
                    // Pass 1: per-channel Σx and Σx² in Double; per group mean and biased variance
                    // E[x²] − mean² (Double keeps ~29 more bits than the Float inputs, so the
                    // subtraction loses nothing that matters unless |mean|/std > 10⁴).
                    let chanSq = chanSum + n * c
                    for i in 0..<p { RowKernels.accumulateWithSquares(xb + i * c, chanSum, chanSq, c) }
                    for gi in 0..<groups {
                        var s = 0.0, q = 0.0
                        for j in gi * cg..<(gi + 1) * cg { s += chanSum[j]; q += chanSq[j] }
                        let mu = s / m, variance = max(q / m - mu * mu, 0)
                        let r = Float(1.0 / (variance + eps).squareRoot())
                        rbase[b * groups + gi] = r
                        for j in gi * cg..<(gi + 1) * cg { mean[j] = Float(mu); rstd[j] = r }
                    }
                    // Pass 3: x̂ and y = x̂·γ + β.
                    let hb = hbase.map { $0 + b * p * c }
                    for i in 0..<p {
                        RowKernels.normalize(xb + i * c, mean, rstd, pg, pb, floor, hb.map { $0 + i * c }, yb + i * c, c)
                    }
                }
            } } }
        }
        if training { savedXhat = xhat; savedRstd = rstds; savedShape = x.shape }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == savedShape && !savedXhat.isEmpty, "GroupNorm.backward without a training forward")
        let c = channels, n = dy.shape[0], groups = self.groups
        let p = dy.count / (n * c), cg = c / groups
        let m = Double(p * cg)
        let (pg, pbeta, dgam, dbet) = (gamma.values, beta.values, gamma.grads, beta.grads)
        let relu = self.relu
        // Per-image partial sums of dy and dy·x̂ per channel (reduced in image order below).
        var partial = [Double](repeating: 0, count: n * 2 * c)
        let coef = UnsafeMutablePointer<Float>.allocate(capacity: 3 * n * c)
        defer { coef.deallocate() }
        let dx = Tensor(shape: dy.shape) { pdx in
            dy.withPointer { pdy in savedXhat.withUnsafeBufferPointer { hx in
                savedRstd.withUnsafeBufferPointer { rs in partial.withUnsafeMutableBufferPointer { pp in
                    let part = pp.baseAddress!
                    Parallel.forEach(n) { b in
                        let db = pdy + b * p * c, xb = hx.baseAddress! + b * p * c, ob = pdx + b * p * c
                        let sumDy = part + b * 2 * c, sumDyX = sumDy + c
                        if relu {
                            // Mask dy into the output buffer, dỹ = dy · [x̂·γ + β > 0], and sum it.
                            for i in 0..<p { RowKernels.reluMaskAccumulateTwo(db + i * c, xb + i * c, pg, pbeta, ob + i * c, sumDy, sumDyX, c) }
                        } else {
                            for i in 0..<p { RowKernels.accumulateTwo(db + i * c, xb + i * c, sumDy, sumDyX, c) }
                        }
                        let src = relu ? UnsafePointer(ob) : db
                        let a = coef + 3 * b * c, bq = a + c, cq = bq + c
                        for gi in 0..<groups {
                            var s1 = 0.0, s2 = 0.0
                            for j in gi * cg..<(gi + 1) * cg { s1 += sumDy[j] * Double(pg[j]); s2 += sumDyX[j] * Double(pg[j]) }
                            let r = rs[b * groups + gi]
                            for j in gi * cg..<(gi + 1) * cg {
                                a[j] = r * pg[j]; bq[j] = r * Float(s1 / m); cq[j] = r * Float(s2 / m)
                            }
                        }
                        for i in 0..<p { RowKernels.affineGrad(src + i * c, xb + i * c, a, bq, cq, ob + i * c, c) }
                    }
                    for b in 0..<n {
                        for j in 0..<c { dbet[j] += Float(part[b * 2 * c + j]); dgam[j] += Float(part[b * 2 * c + c + j]) }
                    }
                } }
            } }
        }
        savedXhat = []; savedRstd = []
        return dx
    }
}
