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

/// Residual merge y = max(a + b, 0) in one pass (the BasicBlock output); backward is the
/// ReLU mask applied once, shared by both inputs.
public final class AddReLU {
    private var savedOutput: Tensor?
    public init() {}

    /// Consumes `a` (its storage becomes the output).
    public func forward(_ a: inout Tensor, _ b: Tensor, training: Bool = true) -> Tensor {
        precondition(a.shape == b.shape, "AddReLU: shapes \(a.shape) and \(b.shape) differ")
        let n = a.count
        a.withMutablePointer { pa in b.withPointer { pb in
            Parallel.forChunks(n) { r in
                let (x, y) = (pa + r.lowerBound, pb + r.lowerBound)
                for i in 0..<r.count { x[i] = max(x[i] + y[i], 0) }
            }
        } }
        savedOutput = training ? a : nil
        return a
    }

    /// d(a) = d(b) = dy · [y > 0].
    public func backward(_ dy: Tensor) -> Tensor {
        guard let y = savedOutput, y.shape == dy.shape else { preconditionFailure("AddReLU.backward without a training forward") }
        savedOutput = nil
        let n = dy.count
        return Tensor(shape: dy.shape) { pd in dy.withPointer { pdy in y.withPointer { py in
            Parallel.forChunks(n) { r in
                let (o, g, v) = (pd + r.lowerBound, pdy + r.lowerBound, py + r.lowerBound)
                for i in 0..<r.count { o[i] = v[i] > 0 ? g[i] : 0 }
            }
        } } }
    }
}
