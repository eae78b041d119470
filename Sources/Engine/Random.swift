// Deterministic random numbers. Every consumer derives its own stream from (seed, a stable
// key) so that adding a parameter or a consumer never shifts the draws of the others.
import Foundation

/// SplitMix64: a small counter-based generator with a 64-bit state; bit-identical on every platform.
public struct SplitMix64: RandomNumberGenerator, Codable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A stream keyed by a seed and a string (e.g. a parameter name), via FNV-1a of the key.
    public init(seed: UInt64, key: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        var mix = SplitMix64(seed: seed ^ h)
        state = mix.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal by Box–Muller (one value per call; the pair's second value is dropped
    /// so the stream position depends only on the call count).
    public mutating func nextNormal() -> Double {
        let u1 = max(nextUniform(), 0x1.0p-60)
        let u2 = nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
