// Per-row (one spatial position, C channels) kernels for the NHWC layers, written with SIMD4 so
// they vectorise on baseline x86-64 (SSE) as well as ARM NEON; a scalar tail covers C % 4.
// Each lane does exactly the scalar operation, so the SIMD and scalar paths give identical bits.

@inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}
@inline(__always) func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}
@inline(__always) func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}
@inline(__always) func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}

enum RowKernels {
    /// sums[j] += Double(x[j]);  squares[j] += Double(x[j])²
    @inline(__always) static func accumulateWithSquares(_ x: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Double>,
                                                        _ squares: UnsafeMutablePointer<Double>, _ c: Int) {
        var j = 0
        while j + 4 <= c {
            let v = SIMD4<Double>(load4(x + j))
            store4(load4(sums + j) + v, sums + j)
            store4(load4(squares + j) + v * v, squares + j); j += 4
        }
        while j < c { let v = Double(x[j]); sums[j] += v; squares[j] += v * v; j += 1 }
    }

    /// x̂ = (x − mean)·rstd (stored when `xhat` is given); y = max(x̂·γ + β, floor).
    @inline(__always) static func normalize(_ x: UnsafePointer<Float>, _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
                                            _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>, _ floor: Float,
                                            _ xhat: UnsafeMutablePointer<Float>?, _ y: UnsafeMutablePointer<Float>, _ c: Int) {
        var j = 0
        let f4 = SIMD4<Float>(repeating: floor)
        while j + 4 <= c {
            let v = (load4(x + j) - load4(mean + j)) * load4(rstd + j)
            if let xhat { store4(v, xhat + j) }
            store4(pointwiseMax(v * load4(gamma + j) + load4(beta + j), f4), y + j); j += 4
        }
        while j < c {
            let v = (x[j] - mean[j]) * rstd[j]
            if let xhat { xhat[j] = v }
            y[j] = max(v * gamma[j] + beta[j], floor); j += 1
        }
    }

    /// The fused ReLU's mask and GroupNorm's sums in one pass: out = dy where x̂·γ + β > 0, else 0;
    /// s1[j] += Double(out[j]);  s2[j] += Double(out[j]·x̂[j]).
    @inline(__always) static func reluMaskAccumulateTwo(_ dy: UnsafePointer<Float>, _ xhat: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>,
                                                        _ beta: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                                        _ s1: UnsafeMutablePointer<Double>, _ s2: UnsafeMutablePointer<Double>, _ c: Int) {
        var j = 0
        let zero = SIMD4<Float>(repeating: 0)
        while j + 4 <= c {
            let h = load4(xhat + j)
            let d = load4(dy + j).replacing(with: zero, where: h * load4(gamma + j) + load4(beta + j) .<= zero)
            store4(d, out + j)
            store4(load4(s1 + j) + SIMD4<Double>(d), s1 + j)
            store4(load4(s2 + j) + SIMD4<Double>(d * h), s2 + j); j += 4
        }
        while j < c {
            let d = xhat[j] * gamma[j] + beta[j] > 0 ? dy[j] : 0
            out[j] = d; s1[j] += Double(d); s2[j] += Double(d * xhat[j]); j += 1
        }
    }

    /// s1[j] += Double(dy[j]);  s2[j] += Double(dy[j]·x̂[j])
    @inline(__always) static func accumulateTwo(_ dy: UnsafePointer<Float>, _ xhat: UnsafePointer<Float>,
                                                _ s1: UnsafeMutablePointer<Double>, _ s2: UnsafeMutablePointer<Double>, _ c: Int) {
        var j = 0
        while j + 4 <= c {
            let d = load4(dy + j)
            store4(load4(s1 + j) + SIMD4<Double>(d), s1 + j)
            store4(load4(s2 + j) + SIMD4<Double>(d * load4(xhat + j)), s2 + j); j += 4
        }
        while j < c { s1[j] += Double(dy[j]); s2[j] += Double(dy[j] * xhat[j]); j += 1 }
    }

    /// out = a·dy − b − x̂·k  (GroupNorm's input gradient with per-channel coefficients).
    @inline(__always) static func affineGrad(_ dy: UnsafePointer<Float>, _ xhat: UnsafePointer<Float>, _ a: UnsafePointer<Float>,
                                             _ b: UnsafePointer<Float>, _ k: UnsafePointer<Float>,
                                             _ out: UnsafeMutablePointer<Float>, _ c: Int) {
        var j = 0
        while j + 4 <= c {
            store4(load4(a + j) * load4(dy + j) - load4(b + j) - load4(xhat + j) * load4(k + j), out + j); j += 4
        }
        while j < c { out[j] = a[j] * dy[j] - b[j] - xhat[j] * k[j]; j += 1 }
    }

    /// dst += src
    @inline(__always) static func add(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ c: Int) {
        var j = 0
        while j + 4 <= c { store4(load4(dst + j) + load4(src + j), dst + j); j += 4 }
        while j < c { dst[j] += src[j]; j += 1 }
    }
}
