// Central finite differences in Double, the second of the three checks (STYLE.md §3).
// The primitives are generic, so the Double instantiation of the very code that trains in Float
// is differentiated here. With step h the error is O(h²·f''') + O(ε·|f|/h); h = 1e-6 on O(1–100)
// inputs keeps both terms below ~1e-8, far under the tolerances used.

/// ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h for every i.
func numericGradient(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    x.indices.map { i in
        var plus = x, minus = x
        plus[i] += h
        minus[i] -= h
        return (f(plus) - f(minus)) / (2 * h)
    }
}
