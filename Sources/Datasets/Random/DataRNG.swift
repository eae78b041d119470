/// SplitMix64 (Vigna), a small counter-based random generator, with keyed streams.
/// (Internal, and named apart from Engine's `SplitMix64` so modules importing both stay unambiguous.)
///
/// Every random decision in the Datasets module comes from a stream keyed by the values that
/// identify it — e.g. `(seed, split, index)` for a synthetic image or `(seed, epoch, index)` for
/// a flip — never from shared mutable state, so any draw can be reproduced independently, in any
/// process, in any order. Draws use integer arithmetic only; conversions to Float are explicit
/// (`unitFloat` takes the top 24 bits), so results are identical on every platform. We avoid
/// `Int.random(in:using:)`, whose reduction algorithm is not specified by the standard library.
struct DataRNG: RandomNumberGenerator, Sendable {
    /// The counter; each `next()` advances it by the golden-ratio increment.
    var state: UInt64

    init(state: UInt64) { self.state = state }

    /// A stream keyed by an ordered list of values (see `DataRNG.key`).
    init(key parts: UInt64...) { self.state = DataRNG.key(parts) }

    /// The golden-ratio increment of SplitMix64.
    static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The SplitMix64 output function: a bijective 64-bit mixer.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Hashes an ordered list of values into one 64-bit key; different lists give unrelated keys.
    static func key(_ parts: [UInt64]) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for p in parts { h = mix(h ^ mix(p &+ increment)) }
        return h
    }

    /// A stateless draw: the `counter`-th value of the stream keyed by `key`.
    static func hash(_ key: UInt64, _ counter: UInt64) -> UInt64 {
        mix(key &+ (counter &+ 1) &* increment)
    }

    mutating func next() -> UInt64 {
        state &+= DataRNG.increment
        return DataRNG.mix(state)
    }

    /// Uniform integer in `0..<n` (n > 0), unbiased (Lemire's multiply-and-reject).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "DataRNG.below: n must be positive")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Uniform integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform Float in [0, 1) from the top 24 bits (exactly representable).
    mutating func unitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform Float in `lo..<hi`.
    mutating func float(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * unitFloat()
    }

    /// True with probability `p`.
    mutating func chance(_ p: Float) -> Bool { unitFloat() < p }

    /// Index drawn with probability proportional to `weights[i]` (non-negative, positive sum).
    mutating func weighted(_ weights: [Int]) -> Int {
        let total = weights.reduce(0) { $0 + max(0, $1) }
        precondition(total > 0, "DataRNG.weighted: weights must have a positive sum")
        var r = below(total)
        for (i, w) in weights.enumerated() where w > 0 {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }
}
