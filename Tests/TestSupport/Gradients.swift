import Foundation
import Engine

/// Central finite difference of a scalar loss with respect to element `i` of a buffer:
/// (L(x + h) − L(x − h)) / 2h, restoring the element afterwards.
public func centralDifference(_ buffer: UnsafeMutablePointer<Float>, _ i: Int, step h: Float,
                              loss: () -> Double) -> Double {
    let old = buffer[i]
    buffer[i] = old + h; let lp = loss()
    buffer[i] = old - h; let lm = loss()
    buffer[i] = old
    // Use the step actually representable in Float.
    let actual = Double(old + h) - Double(old - h)
    return (lp - lm) / actual
}

/// Central differences of `f` with respect to every element of `x` (perturbs a copy).
public func numericalGradient(of x: Tensor, step h: Float, _ f: (Tensor) -> Double) -> [Double] {
    var probe = x
    var out: [Double] = []
    for i in 0..<x.count {
        let old = probe.data[i]
        probe.data[i] = old + h; let lp = f(probe)
        probe.data[i] = old - h; let lm = f(probe)
        probe.data[i] = old
        out.append((lp - lm) / (Double(old + h) - Double(old - h)))
    }
    return out
}

/// Σ dy·y in Double: the scalar whose gradient w.r.t. y is dy.
public func dot(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.count == b.count)
    var s = 0.0
    for i in 0..<a.count { s += Double(a.data[i]) * Double(b.data[i]) }
    return s
}

/// A reproducible tensor of normal values.
public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SplitMix64(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextNormal()) * scale })
}

/// Reads a JSON array of numbers as [Float].
public func floats(_ any: Any?) -> [Float] { ((any as? [Any]) ?? []).map { Float(($0 as! NSNumber).doubleValue) } }
public func ints(_ any: Any?) -> [Int] { ((any as? [Any]) ?? []).map { ($0 as! NSNumber).intValue } }

extension SplitMix64 {
    /// Uniform in [lo, hi) (53 random bits), for generating test data.
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * nextUniform() }
}
