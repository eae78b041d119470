// 3×3 stride-1 pad-1 convolution by Winograd's minimal filtering F(2×2, 3×3), NHWC, forward and
// backward side by side. Same parameters as Conv2D (w [O,3,3,C] OHWI, b [O]); the reference is
// Conv2D's im2col path and referenceConv2D (naive loops).
// Legend: N batch, H/W rows/cols (output = input size), C input channels, O output channels,
// TY = ⌈H/2⌉, TX = ⌈W/2⌉ tiles per column/row, T = N·TY·TX tiles, e = 4ξ + ν one of the 16
// points of a 4×4 tile in the transformed domain.
//
//   x  [N, H, W, C]   input tile d (4×4) of tile (ty, tx) = rows 2ty−1…2ty+2, cols 2tx−1…2tx+2 (0 outside)
//   U  [16, O, C]     U = G g Gᵀ            per (o, c), g = w[o, :, :, c]
//   V  [16, T, C]     V = Bᵀ d B            per (t, c)          (kept for backward)
//   M  [16, T, O]     M_e = V_e · U_eᵀ       16 GEMMs, K = C
//   y  [N, H, W, O]   y tile (2×2) = Aᵀ M A  per (t, o), + b; rows/cols ≥ H/W dropped
//
//   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]
//
// Backward (each the adjoint of one forward step):
//   dM = A dY Aᵀ per (t, o)  (dY 0 outside the image);  db = Σ dY
//   dU_e = dM_eᵀ · V_e  →  dW += Gᵀ dU G per (o, c)
//   dV_e = dM_e · U_e   →  dx += B dV Bᵀ per (t, c), tiles overlapping by two rows/cols
//
// 16 GEMMs with K = C replace one with K = 9C: 2.25× fewer multiply-adds in each of the three
// GEMM steps, and V (16·T·C floats) is 0.44× the im2col columns (36·T·C). The transforms are
// exact in real arithmetic; in Float32 they round differently from im2col (a relative error of
// a few 1e-7, so results are not bit-identical to Conv2D). Deterministic for any thread count:
// the transforms write every element from one thread, dx sums the tiles of an image in order,
// and the GEMMs are `sgemm`'s shape-determined splits.

public final class WinogradConv3x3 {
    public let weight: Parameter
    public let bias: Parameter?
    public let inChannels, outChannels: Int
    private let u = ColumnsBuffer(), v = ColumnsBuffer(), m = ColumnsBuffer(), du = ColumnsBuffer()
    private var savedShape: [Int] = []

    /// The Winograd form of a 3×3 stride-1 pad-1 `Conv2D`: the same parameters (gradients
    /// accumulate into the same buffer).
    public init(sharing conv: Conv2D) {
        let g = conv.geometry
        precondition(g.isWinogradable,
                     "WinogradConv3x3(\(conv.weight.name)): needs a 3×3 stride-1 pad-1 convolution, got \(g)")
        weight = conv.weight; bias = conv.bias; inChannels = g.inChannels; outChannels = g.outChannels
    }

    static func tiles(_ size: Int) -> Int { (size + 1) / 2 }

    /// Drops the kept V (the buffers are kept for reuse).
    public func release() { v.valid = false }

    /// y = conv(x). With `training`, keeps V for backward.
    public func forward(_ x: Tensor, training: Bool = true) -> Tensor {
        precondition(x.shape.count == 4 && x.c == inChannels,
                     "WinogradConv3x3(\(weight.name)): input \(x.shape), expected [N,H,W,\(inChannels)]")
        let (n, h, w, c, o) = (x.n, x.h, x.w, inChannels, outChannels)
        let (ty, tx) = (Self.tiles(h), Self.tiles(w))
        let t = n * ty * tx
        savedShape = x.shape
        let pu = u.reserve(16 * o * c), pv = v.reserve(16 * t * c), pm = m.reserve(16 * t * o)
        winogradWeights(weight.values, o: o, c: c, into: pu)
        x.withPointer { winogradInput($0, shape: x.shape, into: pv) }
        for e in 0..<16 {
            sgemm(transB: true, m: t, n: o, k: c, a: pv + e * t * c, lda: c, b: pu + e * o * c, ldb: c, c: pm + e * t * o, ldc: o)
        }
        let y = Tensor(shape: [n, h, w, o]) { py in winogradOutput(pm, shape: [n, h, w, o], bias: bias?.values, into: py) }
        v.valid = training
        return y
    }

    /// Accumulates dW (and db) and returns dx (nil with `needInputGrad: false`).
    @discardableResult
    public func backward(_ dy: Tensor, needInputGrad: Bool = true) -> Tensor? {
        let xs = savedShape
        let (n, h, w, c, o) = (xs[0], xs[1], xs[2], inChannels, outChannels)
        let t = n * Self.tiles(h) * Self.tiles(w)
        precondition(dy.shape == [n, h, w, o], "WinogradConv3x3(\(weight.name)).backward: dy \(dy.shape)")
        precondition(v.holds(16 * t * c), "WinogradConv3x3.backward without a training forward")
        if let bias { dy.withPointer { biasGradient($0, shape: dy.shape, into: bias.grads) } }
        let pm = m.reserve(16 * t * o), pv = v.pointer!, pu = u.pointer!
        dy.withPointer { winogradOutputAdjoint($0, shape: dy.shape, into: pm) }
        let du = self.du.reserve(16 * o * c)   // a buffer of its own: U is still needed for dV
        for e in 0..<16 {
            sgemm(transA: true, m: o, n: c, k: t, a: pm + e * t * o, lda: o, b: pv + e * t * c, ldb: c, c: du + e * o * c, ldc: c)
        }
        winogradWeightsAdjoint(du, o: o, c: c, into: weight.grads)
        guard needInputGrad else { v.valid = false; return nil }
        for e in 0..<16 {   // dV overwrites V (no longer needed)
            sgemm(m: t, n: c, k: o, a: pm + e * t * o, lda: o, b: pu + e * o * c, ldb: c, c: pv + e * t * c, ldc: c)
        }
        let dx = Tensor(shape: xs) { winogradInputAdjoint(pv, shape: xs, into: $0) }
        v.valid = false
        return dx
    }
}

// MARK: - Transforms
// Each works on a whole channel vector at a time (the innermost loops run over contiguous C or O,
// which the compiler vectorises), is parallel over images or tile rows, and writes every output
// element from one thread.

/// U[e, o, c] = (G g Gᵀ)[e], g = w[o, ·, ·, c].
func winogradWeights(_ w: UnsafePointer<Float>, o: Int, c: Int, into u: UnsafeMutablePointer<Float>) {
    let plane = o * c
    Parallel.forEach(o) { oi in
        let g = w + oi * 9 * c
        let gg = UnsafeMutablePointer<Float>.allocate(capacity: 12 * c)   // G g: 4×3 vectors of C
        defer { gg.deallocate() }
        for j in 0..<3 {
            let g0 = g + j * c, g1 = g + (3 + j) * c, g2 = g + (6 + j) * c
            let r0 = gg + j * c, r1 = gg + (3 + j) * c, r2 = gg + (6 + j) * c, r3 = gg + (9 + j) * c
            for ci in 0..<c {
                r0[ci] = g0[ci]; r1[ci] = (g0[ci] + g1[ci] + g2[ci]) * 0.5; r2[ci] = (g0[ci] - g1[ci] + g2[ci]) * 0.5; r3[ci] = g2[ci]
            }
        }
        for i in 0..<4 {
            let a = gg + 3 * i * c, b = a + c, d = b + c
            let u0 = u + (4 * i) * plane + oi * c, u1 = u0 + plane, u2 = u1 + plane, u3 = u2 + plane
            for ci in 0..<c {
                u0[ci] = a[ci]; u1[ci] = (a[ci] + b[ci] + d[ci]) * 0.5; u2[ci] = (a[ci] - b[ci] + d[ci]) * 0.5; u3[ci] = d[ci]
            }
        }
    }
}

/// dW[o, kh, kw, c] += (Gᵀ dU G)[kh, kw] over the 16 points of dU[·, o, c].
func winogradWeightsAdjoint(_ du: UnsafePointer<Float>, o: Int, c: Int, into dw: UnsafeMutablePointer<Float>) {
    let plane = o * c
    Parallel.forEach(o) { oi in
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: 12 * c)   // Gᵀ dU: 3×4 vectors of C
        defer { tmp.deallocate() }
        for j in 0..<4 {
            let u0 = du + j * plane + oi * c, u1 = u0 + 4 * plane, u2 = u1 + 4 * plane, u3 = u2 + 4 * plane
            let t0 = tmp + j * c, t1 = tmp + (4 + j) * c, t2 = tmp + (8 + j) * c
            for ci in 0..<c {
                let s12 = (u1[ci] + u2[ci]) * 0.5
                t0[ci] = u0[ci] + s12; t1[ci] = (u1[ci] - u2[ci]) * 0.5; t2[ci] = s12 + u3[ci]
            }
        }
        for i in 0..<3 {
            let t0 = tmp + 4 * i * c, t1 = t0 + c, t2 = t1 + c, t3 = t2 + c
            let d0 = dw + (oi * 9 + 3 * i) * c, d1 = d0 + c, d2 = d1 + c
            for ci in 0..<c {
                let s12 = (t1[ci] + t2[ci]) * 0.5
                d0[ci] += t0[ci] + s12; d1[ci] += (t1[ci] - t2[ci]) * 0.5; d2[ci] += s12 + t3[ci]
            }
        }
    }
}

/// V[e, t, c] = (Bᵀ d B)[e] for every tile t = (image, ty, tx) and channel c.
func winogradInput(_ x: UnsafePointer<Float>, shape: [Int], into v: UnsafeMutablePointer<Float>) {
    let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
    let (ty, tx) = (WinogradConv3x3.tiles(h), WinogradConv3x3.tiles(w))
    let plane = n * ty * tx * c
    Parallel.forEach(n * ty) { row in
        let b = row / ty, y0 = 2 * (row % ty) - 1
        let zero = UnsafeMutablePointer<Float>.allocate(capacity: c), s = UnsafeMutablePointer<Float>.allocate(capacity: 16 * c)
        defer { zero.deallocate(); s.deallocate() }
        zero.update(repeating: 0, count: c)
        func at(_ iy: Int, _ ix: Int) -> UnsafePointer<Float> {
            iy >= 0 && iy < h && ix >= 0 && ix < w ? x + ((b * h + iy) * w + ix) * c : UnsafePointer(zero)
        }
        for txi in 0..<tx {
            let x0 = 2 * txi - 1
            for j in 0..<4 {   // Bᵀ d, column j
                let d0 = at(y0, x0 + j), d1 = at(y0 + 1, x0 + j), d2 = at(y0 + 2, x0 + j), d3 = at(y0 + 3, x0 + j)
                let s0 = s + j * c, s1 = s + (4 + j) * c, s2 = s + (8 + j) * c, s3 = s + (12 + j) * c
                for ci in 0..<c { s0[ci] = d0[ci] - d2[ci]; s1[ci] = d1[ci] + d2[ci]; s2[ci] = d2[ci] - d1[ci]; s3[ci] = d1[ci] - d3[ci] }
            }
            let t = row * tx + txi
            for i in 0..<4 {   // (Bᵀ d) B, row i
                let a0 = s + 4 * i * c, a1 = a0 + c, a2 = a1 + c, a3 = a2 + c
                let v0 = v + (4 * i) * plane + t * c, v1 = v0 + plane, v2 = v1 + plane, v3 = v2 + plane
                for ci in 0..<c { v0[ci] = a0[ci] - a2[ci]; v1[ci] = a1[ci] + a2[ci]; v2[ci] = a2[ci] - a1[ci]; v3[ci] = a1[ci] - a3[ci] }
            }
        }
    }
}

/// dx = Σ over tiles of B dV Bᵀ at the tile's input window (only the pixels inside the image).
/// Writes (zeroes first) all of dx; an image's tiles are summed in order on one thread.
func winogradInputAdjoint(_ dv: UnsafePointer<Float>, shape: [Int], into dx: UnsafeMutablePointer<Float>) {
    let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
    let (ty, tx) = (WinogradConv3x3.tiles(h), WinogradConv3x3.tiles(w))
    let plane = n * ty * tx * c
    Parallel.forEach(n) { b in
        let xb = dx + b * h * w * c
        xb.update(repeating: 0, count: h * w * c)
        let s = UnsafeMutablePointer<Float>.allocate(capacity: 16 * c)
        defer { s.deallocate() }
        for tyi in 0..<ty { for txi in 0..<tx {
            let t = (b * ty + tyi) * tx + txi
            let y0 = 2 * tyi - 1, x0 = 2 * txi - 1
            for j in 0..<4 {   // B dV, column j
                let v0 = dv + j * plane + t * c, v1 = v0 + 4 * plane, v2 = v1 + 4 * plane, v3 = v2 + 4 * plane
                let s0 = s + j * c, s1 = s + (4 + j) * c, s2 = s + (8 + j) * c, s3 = s + (12 + j) * c
                for ci in 0..<c { s0[ci] = v0[ci]; s1[ci] = v1[ci] - v2[ci] + v3[ci]; s2[ci] = v1[ci] + v2[ci] - v0[ci]; s3[ci] = -v3[ci] }
            }
            for i in 0..<4 {   // (B dV) Bᵀ, row i, added where inside the image
                let iy = y0 + i
                guard iy >= 0 && iy < h else { continue }
                let a0 = s + 4 * i * c, a1 = a0 + c, a2 = a1 + c, a3 = a2 + c
                let r = xb + (iy * w + x0) * c   // column x0 + j at r + j·c
                if x0 >= 0 { for ci in 0..<c { r[ci] += a0[ci] } }
                for ci in 0..<c { r[c + ci] += a1[ci] - a2[ci] + a3[ci] }
                if x0 + 2 < w { for ci in 0..<c { r[2 * c + ci] += a1[ci] + a2[ci] - a0[ci] } }
                if x0 + 3 < w { for ci in 0..<c { r[3 * c + ci] -= a3[ci] } }
            }
        } }
    }
}

/// y tile = Aᵀ M A (+ b) for every tile and output channel; outputs past the image are dropped.
func winogradOutput(_ m: UnsafePointer<Float>, shape: [Int], bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
    let (n, h, w, o) = (shape[0], shape[1], shape[2], shape[3])
    let (ty, tx) = (WinogradConv3x3.tiles(h), WinogradConv3x3.tiles(w))
    let plane = n * ty * tx * o
    Parallel.forEach(n * ty) { row in
        let b = row / ty, oy = 2 * (row % ty)
        let s = UnsafeMutablePointer<Float>.allocate(capacity: 8 * o), zero = UnsafeMutablePointer<Float>.allocate(capacity: o)
        defer { s.deallocate(); zero.deallocate() }
        zero.update(repeating: 0, count: o)
        let bb = UnsafePointer(bias ?? UnsafePointer(zero))
        for txi in 0..<tx {
            let t = row * tx + txi, ox = 2 * txi
            for j in 0..<4 {   // Aᵀ M, column j
                let m0 = m + j * plane + t * o, m1 = m0 + 4 * plane, m2 = m1 + 4 * plane, m3 = m2 + 4 * plane
                let s0 = s + j * o, s1 = s + (4 + j) * o
                for oi in 0..<o { s0[oi] = m0[oi] + m1[oi] + m2[oi]; s1[oi] = m1[oi] - m2[oi] - m3[oi] }
            }
            for i in 0..<2 where oy + i < h {   // (Aᵀ M) A, row i
                let a0 = s + 4 * i * o, a1 = a0 + o, a2 = a1 + o, a3 = a2 + o
                let r = y + ((b * h + oy + i) * w + ox) * o
                for oi in 0..<o { r[oi] = a0[oi] + a1[oi] + a2[oi] + bb[oi] }
                if ox + 1 < w { for oi in 0..<o { r[o + oi] = a1[oi] - a2[oi] - a3[oi] + bb[oi] } }
            }
        }
    }
}

/// dM = A dY Aᵀ for every tile and output channel (dY is 0 past the image).
func winogradOutputAdjoint(_ dy: UnsafePointer<Float>, shape: [Int], into dm: UnsafeMutablePointer<Float>) {
    let (n, h, w, o) = (shape[0], shape[1], shape[2], shape[3])
    let (ty, tx) = (WinogradConv3x3.tiles(h), WinogradConv3x3.tiles(w))
    let plane = n * ty * tx * o
    Parallel.forEach(n * ty) { row in
        let b = row / ty, oy = 2 * (row % ty)
        let zero = UnsafeMutablePointer<Float>.allocate(capacity: o)
        defer { zero.deallocate() }
        zero.update(repeating: 0, count: o)
        func at(_ iy: Int, _ ix: Int) -> UnsafePointer<Float> {
            iy < h && ix < w ? dy + ((b * h + iy) * w + ix) * o : UnsafePointer(zero)
        }
        for txi in 0..<tx {
            let t = row * tx + txi, ox = 2 * txi
            let d00 = at(oy, ox), d01 = at(oy, ox + 1), d10 = at(oy + 1, ox), d11 = at(oy + 1, ox + 1)
            // A dY (4×2) has rows (d0·), (d0· + d1·), (d0· − d1·), (−d1·); each row (t0, t1) · Aᵀ
            // gives (t0, t0 + t1, t0 − t1, −t1).
            for i in 0..<4 {
                let p0 = dm + (4 * i) * plane + t * o, p1 = p0 + plane, p2 = p1 + plane, p3 = p2 + plane
                for oi in 0..<o {
                    let t0: Float, t1: Float
                    switch i {
                    case 0: t0 = d00[oi]; t1 = d01[oi]
                    case 1: t0 = d00[oi] + d10[oi]; t1 = d01[oi] + d11[oi]
                    case 2: t0 = d00[oi] - d10[oi]; t1 = d01[oi] - d11[oi]
                    default: t0 = -d10[oi]; t1 = -d11[oi]
                    }
                    p0[oi] = t0; p1[oi] = t0 + t1; p2[oi] = t0 - t1; p3[oi] = -t1
                }
            }
        }
    }
}

