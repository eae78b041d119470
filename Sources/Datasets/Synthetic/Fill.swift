/// A colour with Float channels in 0–255 units (the canvas works in Float until quantisation).
struct RGBf: Sendable {
    var r: Float
    var g: Float
    var b: Float

    /// A uniformly random colour (integer draws, explicit conversion).
    static func random(_ rng: inout DataRNG) -> RGBf {
        RGBf(r: Float(rng.below(256)), g: Float(rng.below(256)), b: Float(rng.below(256)))
    }

    /// L1 distance over the three channels (0...765).
    func distance(_ o: RGBf) -> Float { abs(r - o.r) + abs(g - o.g) + abs(b - o.b) }

    func mix(_ o: RGBf, _ t: Float) -> RGBf {
        RGBf(r: r + (o.r - r) * t, g: g + (o.g - g) * t, b: b + (o.b - b) * t)
    }

    func offset(_ d: Float) -> RGBf { RGBf(r: r + d, g: g + d, b: b + d) }
}

/// How a shape's pixels are coloured. Colours depend on the pixel position only, so a fill
/// can be evaluated for any subset of pixels in any order.
enum Fill: Sendable {
    case solid(RGBf)
    /// Alternating bands of two colours, `period` pixels wide, perpendicular to (dx, dy).
    case stripes(RGBf, RGBf, dx: Float, dy: Float, period: Float)
    /// Per-pixel uniform brightness jitter of ±amplitude (from a stateless hash of `key`).
    case speckle(RGBf, amplitude: Float, key: UInt64)
    /// Linear ramp from the first colour at `origin − (dx,dy)·length/2` to the second.
    case gradient(RGBf, RGBf, ox: Float, oy: Float, dx: Float, dy: Float, length: Float)

    /// Colour of pixel (x, y) in an image `width` pixels wide.
    func colour(x: Int, y: Int, width: Int) -> RGBf {
        switch self {
        case .solid(let c):
            return c
        case let .stripes(a, b, dx, dy, period):
            let d = (Float(x) + 0.5) * dx + (Float(y) + 0.5) * dy
            let band = Int((d / period).rounded(.down))
            return band & 1 == 0 ? a : b
        case let .speckle(c, amplitude, key):
            let h = DataRNG.hash(key, UInt64(y * width + x))
            return c.offset((Float(h >> 40) * 0x1p-24 * 2 - 1) * amplitude)
        case let .gradient(a, b, ox, oy, dx, dy, length):
            let d = ((Float(x) + 0.5 - ox) * dx + (Float(y) + 0.5 - oy) * dy) / length + 0.5
            return a.mix(b, min(max(d, 0), 1))
        }
    }
}
