// SGD with momentum and weight decay (PyTorch semantics), over a whole ParameterStore at once:
//   g = grad + wd·θ;   v = μ·v + g   (v = g on the first step);   θ = θ − lr·v
// plus optional global gradient-norm clipping (off by default), applied before the update.
// Frozen parameters (`Parameter.trainable == false`) are skipped: no update, no weight decay.

public struct SGDConfig: Codable, Equatable {
    public var momentum: Float = 0.9
    public var weightDecay: Float = 1e-4
    /// Max global L2 norm of the gradient; nil = no clipping (the reference recipe).
    public var clipNorm: Float? = nil
    public init(momentum: Float = 0.9, weightDecay: Float = 1e-4, clipNorm: Float? = nil) {
        self.momentum = momentum; self.weightDecay = weightDecay; self.clipNorm = clipNorm
    }
}

public final class SGD {
    public let config: SGDConfig
    public private(set) var velocity: [Float]
    public private(set) var steps: Int = 0
    public let store: ParameterStore
    private let ranges: [Range<Int>]

    public init(_ store: ParameterStore, config: SGDConfig = SGDConfig()) {
        self.store = store
        self.config = config
        velocity = [Float](repeating: 0, count: store.count)
        ranges = store.trainableRanges
    }

    /// Global L2 norm of the current gradients (accumulated in Double).
    public func gradNorm() -> Float {
        let g = store.grads
        var s = 0.0
        for i in 0..<store.count { s += Double(g[i]) * Double(g[i]) }
        return Float(s.squareRoot())
    }

    /// One update with learning rate `lr`. Returns the pre-clipping gradient norm when clipping is on.
    @discardableResult
    public func step(lr: Float) -> Float? {
        precondition(velocity.count == store.count, "SGD: store grew after the optimizer was made")
        let theta = store.values, grad = store.grads
        var norm: Float? = nil
        var gscale: Float = 1
        if let maxNorm = config.clipNorm {
            let total = gradNorm()
            norm = total
            if total > maxNorm { gscale = maxNorm / (total + 1e-6) }
        }
        let (mu, wd, first) = (config.momentum, config.weightDecay, steps == 0)
        velocity.withUnsafeMutableBufferPointer { vb in
            let v = vb.baseAddress!
            for r in ranges {   // element-wise: chunks on worker threads give the same bits
                Parallel.forChunks(r.count) { part in
                    for i in (r.lowerBound + part.lowerBound)..<(r.lowerBound + part.upperBound) {
                        let g = grad[i] * gscale + wd * theta[i]
                        let vi = first ? g : mu * v[i] + g
                        v[i] = vi
                        theta[i] -= lr * vi
                    }
                }
            }
        }
        steps += 1
        return norm
    }

    /// Restores state saved in a checkpoint.
    public func restore(velocity v: [Float], steps s: Int) throws {
        guard v.count == store.count else {
            throw EngineError(file: nil, field: "optimizer.velocity", value: "\(v.count) values",
                              hint: "the checkpoint's optimizer state has \(v.count) values but the network has \(store.count) parameters; was it saved by a different preset?")
        }
        velocity = v; steps = s
    }
}

/// Learning-rate schedule: linear warm-up (mmcv semantics) then step decay.
///   warm-up (it < warmupIters): lr = base · (1 − (1 − it/warmupIters)·(1 − warmupRatio))
///   after:                     lr = base · gamma^(number of steps ≤ it)
public struct LRSchedule: Codable, Equatable {
    public var baseLR: Float
    public var warmupIters: Int
    public var warmupRatio: Float
    public var steps: [Int]
    public var gamma: Float

    public init(baseLR: Float, warmupIters: Int = 0, warmupRatio: Float = 0.001, steps: [Int] = [], gamma: Float = 0.1) {
        self.baseLR = baseLR; self.warmupIters = warmupIters; self.warmupRatio = warmupRatio
        self.steps = steps; self.gamma = gamma
    }

    public func lr(at iteration: Int) -> Float {
        var lr = baseLR
        for s in steps where iteration >= s { lr *= gamma }
        if iteration < warmupIters {
            let k = (1 - Float(iteration) / Float(warmupIters)) * (1 - warmupRatio)
            lr *= 1 - k
        }
        return lr
    }
}
