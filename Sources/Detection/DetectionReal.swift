// Scalar arithmetic shared by the detection primitives.
//
// Every differentiable primitive is written once, generic over `DetectionReal`, and used with
// `Float` in training. The same code instantiated with `Double` is what the tests differentiate
// numerically, so a finite-difference check exercises the very formulas that ship.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A binary floating-point type with the elementary functions the detection primitives need.
/// `Float` (training) and `Double` (reference checks, mixture fit) conform.
public protocol DetectionReal: BinaryFloatingPoint, Sendable {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
}

extension Float: DetectionReal {
    @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
    @inlinable public static func log(_ x: Float) -> Float { logf(x) }
    @inlinable public static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: DetectionReal {
    @inlinable public static func exp(_ x: Double) -> Double { libmExp(x) }
    @inlinable public static func log(_ x: Double) -> Double { libmLog(x) }
    @inlinable public static func log1p(_ x: Double) -> Double { libmLog1p(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { libmPow(x, y) }
}

// File-scope forwarders: inside `extension Double`, `exp` would name the static member itself.
@usableFromInline func libmExp(_ x: Double) -> Double { exp(x) }
@usableFromInline func libmLog(_ x: Double) -> Double { log(x) }
@usableFromInline func libmLog1p(_ x: Double) -> Double { log1p(x) }
@usableFromInline func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// Numerically stable logistic functions (no overflow for any finite logit).
public enum Logistic {
    /// σ(z) = 1 / (1 + e^{−z}), evaluated so that e^{…} never overflows.
    @inlinable public static func sigmoid<S: DetectionReal>(_ z: S) -> S {
        if z >= 0 { return 1 / (1 + S.exp(-z)) }
        let e = S.exp(z)
        return e / (1 + e)
    }

    /// softplus(z) = log(1 + e^{z}) = max(z, 0) + log1p(e^{−|z|}).
    @inlinable public static func softplus<S: DetectionReal>(_ z: S) -> S {
        max(z, 0) + S.log1p(S.exp(-abs(z)))
    }

    /// log σ(z) = −softplus(−z). Also log(1 − σ(z)) = logSigmoid(z) − z = −softplus(z).
    @inlinable public static func logSigmoid<S: DetectionReal>(_ z: S) -> S {
        -softplus(-z)
    }

    /// (σ(z), 1 − σ(z), log σ(z)) from a single e^{−|z|}; bit-identical to `sigmoid(z)`,
    /// `sigmoid(−z)` and `logSigmoid(z)`, and 1 − σ(z) carries no cancellation.
    @inlinable public static func parts<S: DetectionReal>(_ z: S) -> (p: S, q: S, logP: S) {
        let e = S.exp(-abs(z))
        let big = 1 / (1 + e), small = e / (1 + e)
        let logP = -(max(-z, 0) + S.log1p(e))
        return z >= 0 ? (big, small, logP) : (small, big, logP)
    }
}
