// Dense Float32 tensors. Activations are NHWC: N images, H rows, W columns, C channels,
// channel fastest. Why NHWC: a convolution is then one GEMM [N·Ho·Wo, K·K·C] × [K·K·C, O]
// whose output already is NHWC (no transpose), a 1×1 stride-1 conv needs no im2col at all,
// and the head's per-level output [N, H, W, C] is already anchor-major, as detection wants.

/// A dense, row-major Float32 tensor with an explicit shape.
public struct Tensor: Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count,
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor whose contents are left for `fill` to write (every element must be written).
    public init(shape: [Int], unsafeFill fill: (UnsafeMutablePointer<Float>) -> Void) {
        let n = shape.reduce(1, *)
        self.shape = shape
        self.data = [Float](unsafeUninitializedCapacity: n) { buf, count in
            if n > 0 { fill(buf.baseAddress!) }
            count = n
        }
    }

    public var count: Int { data.count }

    /// NHWC accessors (valid when `shape.count == 4`).
    public var n: Int { shape[0] }
    public var h: Int { shape[1] }
    public var w: Int { shape[2] }
    public var c: Int { shape[3] }

    @inlinable
    public func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try data.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    @inlinable
    public mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try data.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = data.prefix(6).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(data.count > 6 ? ", …" : "")]"
    }
}

/// Elementwise sum of two tensors of equal shape (the residual and FPN merges).
/// Backward of `add` is the identity for both inputs, so it needs no layer object.
public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
    return Tensor(shape: a.shape) { out in
        a.withPointer { pa in b.withPointer { pb in
            Parallel.forChunks(a.count) { r in for i in r { out[i] = pa[i] + pb[i] } }
        } }
    }
}

/// In-place `a += b`.
public func addInPlace(_ a: inout Tensor, _ b: Tensor) {
    precondition(a.shape == b.shape, "addInPlace: shapes \(a.shape) and \(b.shape) differ")
    let n = a.count
    a.withMutablePointer { pa in b.withPointer { pb in
        Parallel.forChunks(n) { r in for i in r { pa[i] += pb[i] } }
    } }
}
