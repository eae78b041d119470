// Batch normalisation frozen to loaded statistics and affine (mmdetection's BN with
// `norm_eval=True` and `requires_grad=False`; torchvision's BatchNorm2d in eval mode), NHWC.
// Legend: N batch, P = H·W positions, C channels.
//
//   x, y  [N, P, C]     weight, bias, running_mean, running_var [C]   (all frozen)
//   s = weight / sqrt(running_var + eps),  t = bias − running_mean · s
//   y = x · s + t                      (with `relu: true`: y = max(0, x · s + t), fused)
// Backward:
//   dx = dy · s                        (with `relu: true`: dx = 0 where y ≤ 0)
//   no parameter gradients: the four tensors are registered `trainable: false`.
// s and t are computed once per forward in Double and rounded to Float (PyTorch's CPU
// inference kernel computes the same two per-channel factors), so y is one fused multiply-add
// per value; summation order does not enter.

public final class FrozenBatchNorm {
    public let channels: Int
    public let eps: Float
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Parameter
    public let runningVar: Parameter
    public let relu: Bool
    /// Saved for backward: the output when the ReLU is fused (its sign is the mask).
    private var savedOutput: Tensor?
    private var savedScale: [Float] = []

    /// Registers `name.{weight,bias,running_mean,running_var}` (torchvision's names), initialised
    /// to the identity (1, 0, 0, 1) until weights are loaded.
    public init(_ store: ParameterStore, name: String, channels: Int, eps: Float = 1e-5, relu: Bool = false) {
        self.channels = channels
        self.eps = eps
        self.relu = relu
        weight = store.register("\(name).weight", shape: [channels], init: .constant(1), trainable: false)
        bias = store.register("\(name).bias", shape: [channels], init: .constant(0), trainable: false)
        runningMean = store.register("\(name).running_mean", shape: [channels], init: .constant(0), trainable: false)
        runningVar = store.register("\(name).running_var", shape: [channels], init: .constant(1), trainable: false)
    }

    /// The per-channel factors (s, t) of the current statistics.
    public func factors() -> (scale: [Float], shift: [Float]) {
        var s = [Float](repeating: 0, count: channels), t = s
        for c in 0..<channels {
            let sc = Double(weight.values[c]) / (Double(runningVar.values[c]) + Double(eps)).squareRoot()
            s[c] = Float(sc)
            t[c] = Float(Double(bias.values[c]) - Double(runningMean.values[c]) * sc)
        }
        return (s, t)
    }

    public func forward(_ x: Tensor, training: Bool = true) -> Tensor {
        let c = channels
        precondition(x.shape.last == c, "FrozenBatchNorm(\(weight.name)): input \(x.shape), expected C = \(c)")
        let (s, t) = factors()
        let floor: Float = relu ? 0 : -.infinity
        let rows = x.count / c
        let y = Tensor(shape: x.shape) { py in
            x.withPointer { px in
                s.withUnsafeBufferPointer { ps in t.withUnsafeBufferPointer { pt in
                    Parallel.forChunks(rows) { r in
                        for row in r {
                            let (i, o) = (px + row * c, py + row * c)
                            for ch in 0..<c { o[ch] = max(i[ch] * ps[ch] + pt[ch], floor) }
                        }
                    }
                } }
            }
        }
        if training { savedScale = s; savedOutput = relu ? y : nil } else { savedOutput = nil }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let c = channels
        precondition(savedScale.count == c, "FrozenBatchNorm.backward without a training forward")
        let rows = dy.count / c
        let mask = savedOutput
        let dx = Tensor(shape: dy.shape) { pd in
            dy.withPointer { pdy in
                savedScale.withUnsafeBufferPointer { ps in
                    if let mask {
                        mask.withPointer { pm in
                            Parallel.forChunks(rows) { r in
                                for row in r {
                                    let (g, m, o) = (pdy + row * c, pm + row * c, pd + row * c)
                                    for ch in 0..<c { o[ch] = m[ch] > 0 ? g[ch] * ps[ch] : 0 }
                                }
                            }
                        }
                    } else {
                        Parallel.forChunks(rows) { r in
                            for row in r {
                                let (g, o) = (pdy + row * c, pd + row * c)
                                for ch in 0..<c { o[ch] = g[ch] * ps[ch] }
                            }
                        }
                    }
                }
            }
        }
        savedOutput = nil
        return dx
    }
}
