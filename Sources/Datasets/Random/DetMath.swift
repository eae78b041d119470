/// Deterministic trigonometry from +, −, × only, so rendered pixels do not depend on the
/// platform's libm (whose sin/cos may differ in the last bit between systems).
enum DetMath {
    /// (sin, cos) of an angle given in turns (1 turn = 2π). Accurate to ~1e-9.
    static func sinCos(turns: Double) -> (sin: Double, cos: Double) {
        var t = turns - Double(Int(turns))           // (-1, 1)
        if t < 0 { t += 1 }                          // [0, 1)
        let quadrant = Int(t * 4) & 3
        let x = (t - Double(quadrant) * 0.25) * 6.283185307179586  // [0, π/2)
        let x2 = x * x
        // Taylor series to x^15 / x^14: error < 1e-11 on [0, π/2].
        var s = 1.0, c = 1.0
        var k = 15.0
        while k > 1 {
            s = 1 - s * x2 / (k * (k - 1))
            c = 1 - c * x2 / ((k - 1) * (k - 2))
            k -= 2
        }
        s *= x
        switch quadrant {
        case 0: return (s, c)
        case 1: return (c, -s)
        case 2: return (-s, -c)
        default: return (-c, s)
        }
    }
}
