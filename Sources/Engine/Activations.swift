// Pointwise activation, forward and backward.
//   x, y, dy, dx  [any shape];  y = max(x, 0);  dx = dy · [y > 0]

public final class ReLU {
    private var savedOutput: Tensor?
    public init() {}

    public func forward(_ x: Tensor, training: Bool = true) -> Tensor {
        var y = x
        return forward(consuming: &y, training: training)
    }

    /// In-place variant: consumes `x`.
    public func forward(consuming x: inout Tensor, training: Bool = true) -> Tensor {
        let n = x.count
        x.withMutablePointer { p in Parallel.forChunks(n) { r in for i in r { p[i] = max(p[i], 0) } } }
        savedOutput = training ? x : nil
        return x
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let y = savedOutput, y.shape == dy.shape else { preconditionFailure("ReLU.backward without a training forward") }
        let n = dy.count
        let dx = Tensor(shape: dy.shape) { pd in dy.withPointer { pdy in y.withPointer { py in
            Parallel.forChunks(n) { r in
                let (o, g, v) = (pd + r.lowerBound, pdy + r.lowerBound, py + r.lowerBound)
                for i in 0..<r.count { o[i] = v[i] > 0 ? g[i] : 0 }
            }
        } } }
        savedOutput = nil
        return dx
    }
}
