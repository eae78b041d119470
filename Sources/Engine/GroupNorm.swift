// Group normalisation, NHWC. Legend: N batch, P = H·W positions, C channels, G groups,
// Cg = C/G channels per group; statistics per (n, g) over P·Cg values.
//
//   x, y  [N, P, C]     gamma, beta [C]     mean, rstd [N, G]
//   xhat = (x − mean) · rstd,   y = xhat · gamma + beta
// Backward (per (n, g), M = P·Cg):
//   dgamma[c] += Σ dy·xhat,  dbeta[c] += Σ dy,  dxhat = dy·gamma
//   dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat·xhat))
// Sums are accumulated in Double (order fixed: positions, then channels), so results are
// deterministic and the variance does not lose precision on large groups.

public final class GroupNorm {
    public let groups: Int
    public let channels: Int
    public let eps: Float
    public let gamma: Parameter
    public let beta: Parameter
    private var savedXhat: [Float] = []
    private var savedRstd: [Float] = []
    private var savedShape: [Int] = []

    /// A second application of `other`'s affine parameters with its own saved statistics.
    public init(sharing other: GroupNorm) {
        groups = other.groups; channels = other.channels; eps = other.eps; gamma = other.gamma; beta = other.beta
    }

    public init(_ store: ParameterStore, name: String, channels: Int, groups: Int, eps: Float = 1e-5) {
        precondition(channels % groups == 0, "GroupNorm(\(name)): \(channels) channels not divisible by \(groups) groups")
        self.groups = groups
        self.channels = channels
        self.eps = eps
        gamma = store.register("\(name).weight", shape: [channels], init: .constant(1))
        beta = store.register("\(name).bias", shape: [channels], init: .constant(0))
    }

    public func forward(_ x: Tensor, training: Bool = true) -> Tensor {
        let c = channels
        precondition(x.shape.last == c, "GroupNorm(\(gamma.name)): input \(x.shape), expected C = \(c)")
        let n = x.shape[0]
        let p = x.count / (n * c)
        let cg = c / groups
        let m = Double(p * cg)
        var xhat = [Float](repeating: 0, count: training ? x.count : 0)
        var rstds = [Float](repeating: 0, count: n * groups)
        let (pg, pb) = (gamma.values, beta.values)
        let y = Tensor(shape: x.shape) { py in
            x.withPointer { px in
                var chanSum = [Double](repeating: 0, count: c)
                for b in 0..<n {
                    let xb = px + b * p * c, yb = py + b * p * c
                    // Pass 1: mean per group.
                    for j in 0..<c { chanSum[j] = 0 }
                    for i in 0..<p { let row = xb + i * c; for j in 0..<c { chanSum[j] += Double(row[j]) } }
                    var mean = [Float](repeating: 0, count: groups)
                    for gi in 0..<groups {
                        var s = 0.0; for j in gi * cg..<(gi + 1) * cg { s += chanSum[j] }
                        mean[gi] = Float(s / m)
                    }
                    // Pass 2: variance per group (two-pass, biased, as PyTorch).
                    for j in 0..<c { chanSum[j] = 0 }
                    for i in 0..<p {
                        let row = xb + i * c
                        for j in 0..<c { let d = Double(row[j] - mean[j / cg]); chanSum[j] += d * d }
                    }
                    var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
                    var rstd = [Float](repeating: 0, count: groups)
                    for gi in 0..<groups {
                        var s = 0.0; for j in gi * cg..<(gi + 1) * cg { s += chanSum[j] }
                        rstd[gi] = Float(1.0 / (s / m + Double(eps)).squareRoot())
                        rstds[b * groups + gi] = rstd[gi]
                    }
                    for j in 0..<c {
                        scale[j] = rstd[j / cg] * pg[j]
                        shift[j] = pb[j] - mean[j / cg] * scale[j]
                    }
                    for i in 0..<p {
                        let row = xb + i * c, out = yb + i * c
                        for j in 0..<c { out[j] = row[j] * scale[j] + shift[j] }
                    }
                    if training {
                        xhat.withUnsafeMutableBufferPointer { hx in
                            let hb = hx.baseAddress! + b * p * c
                            for i in 0..<p {
                                let row = xb + i * c, out = hb + i * c
                                for j in 0..<c { out[j] = (row[j] - mean[j / cg]) * rstd[j / cg] }
                            }
                        }
                    }
                }
            }
        }
        if training { savedXhat = xhat; savedRstd = rstds; savedShape = x.shape }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == savedShape && !savedXhat.isEmpty, "GroupNorm.backward without a training forward")
        let c = channels, n = dy.shape[0]
        let p = dy.count / (n * c), cg = c / groups
        let m = Double(p * cg)
        let (pg, dgam, dbet) = (gamma.values, gamma.grads, beta.grads)
        let dx = Tensor(shape: dy.shape) { pdx in
            dy.withPointer { pdy in savedXhat.withUnsafeBufferPointer { hx in
                var sumDy = [Double](repeating: 0, count: c), sumDyX = [Double](repeating: 0, count: c)
                for b in 0..<n {
                    let db = pdy + b * p * c, xb = hx.baseAddress! + b * p * c, ob = pdx + b * p * c
                    for j in 0..<c { sumDy[j] = 0; sumDyX[j] = 0 }
                    for i in 0..<p {
                        let d = db + i * c, xh = xb + i * c
                        for j in 0..<c { sumDy[j] += Double(d[j]); sumDyX[j] += Double(d[j] * xh[j]) }
                    }
                    var meanD = [Float](repeating: 0, count: groups), meanDX = [Float](repeating: 0, count: groups)
                    for gi in 0..<groups {
                        var s1 = 0.0, s2 = 0.0
                        for j in gi * cg..<(gi + 1) * cg {
                            dgam[j] += Float(sumDyX[j]); dbet[j] += Float(sumDy[j])
                            s1 += sumDy[j] * Double(pg[j]); s2 += sumDyX[j] * Double(pg[j])
                        }
                        meanD[gi] = Float(s1 / m); meanDX[gi] = Float(s2 / m)
                    }
                    var a = [Float](repeating: 0, count: c), bq = [Float](repeating: 0, count: c), cq = [Float](repeating: 0, count: c)
                    for j in 0..<c {
                        let r = savedRstd[b * groups + j / cg]
                        a[j] = r * pg[j]; bq[j] = r * meanD[j / cg]; cq[j] = r * meanDX[j / cg]
                    }
                    for i in 0..<p {
                        let d = db + i * c, xh = xb + i * c, o = ob + i * c
                        for j in 0..<c { o[j] = a[j] * d[j] - bq[j] - xh[j] * cq[j] }
                    }
                }
            } }
        }
        savedXhat = []; savedRstd = []
        return dx
    }
}
