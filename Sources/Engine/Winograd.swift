// 3×3 stride-1 pad-1 convolution by Winograd's minimal filtering F(m×m, 3×3), m = 2 or 4, NHWC,
// forward and backward side by side. Same parameters as Conv2D (w [O,3,3,C] OHWI, b [O]); the
// reference is Conv2D's im2col path and referenceConv2D (naive loops).
// Legend: N batch, H/W rows/cols (output = input size), C input channels, O output channels,
// m output tile side, α = m + 2 input tile side, P = α² points of a tile in the transformed
// domain (e = α·ξ + ν), TY = ⌈H/m⌉, TX = ⌈W/m⌉ tiles per column/row, T = N·TY·TX tiles.
//
//   x  [N, H, W, C]   input tile d (α×α) of tile (ty, tx) = rows m·ty−1 … m·ty+m, same for cols (0 outside)
//   U  [P, O, C]      U = G g Gᵀ            per (o, c), g = w[o, :, :, c]
//   V  [P, T, C]      V = Bᵀ d B            per (t, c)          (kept for backward)
//   M  [P, T, O]      M_e = V_e · U_eᵀ       P GEMMs, K = C
//   y  [N, H, W, O]   y tile (m×m) = Aᵀ M A  per (t, o), + b; rows/cols ≥ H/W dropped
//
// The matrices (WinogradTiling; Lavin & Gray 2016):
//   F(2×2,3×3): G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]  Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
//               Aᵀ = [1 1 1 0; 0 1 −1 −1]
//               (interpolation points 0, ±1, ∞)
//   F(4×4,3×3): points 0, ±1, ±2, ∞: G (6×3), Bᵀ (6×6), Aᵀ (4×6) in WinogradTiling.f4x4.
//
// Backward (each the adjoint of one forward step):
//   dM = A dY Aᵀ per (t, o)  (dY 0 outside the image);  db = Σ dY
//   dU_e = dM_eᵀ · V_e  →  dW += Gᵀ dU G per (o, c)
//   dV_e = dM_e · U_e   →  dx += B dV Bᵀ per (t, c), tiles overlapping by two rows/cols
//
// Every transform is one routine, out = T · X · Tᵀ over a grid of channel vectors (`sandwich`),
// with T = Bᵀ, G, Aᵀ forward and A, Gᵀ, B backward; it skips T's zeros.
// Multiply-adds in each GEMM step: 9 per output (im2col) → P/m² = 4 (F(2×2)) or 2.25 (F(4×4)),
// and V holds P/m² floats per input pixel and channel (4 or 2.25; im2col's columns hold 9).
// The transforms are exact in real arithmetic; in Float32 they round differently from im2col
// (F(2×2): coefficients 0, ±1, ±½, a tile's error 4e-7 relative (median; max 1.1e-6); F(4×4):
// coefficients up to 8 and 1/24, 3.9e-6 (max 1.8e-5); Tests/Fixtures/scripts/winograd_rounding.py),
// so results are not bit-identical to Conv2D.
// Deterministic for any thread count: the transforms write every element from one thread, dx
// sums the tiles of an image in order, and the GEMMs are `sgemm`'s shape-determined splits.

/// The transform matrices of one F(m×m, 3×3) algorithm, each kept as its nonzero entries per row.
public struct WinogradTiling: Sendable, Equatable {
    /// Output tile side m; the input tile side is α = m + 2.
    public let m: Int
    public var alpha: Int { m + 2 }
    let bt, g, at: SparseRows   // forward: Bᵀ (α×α), G (α×3), Aᵀ (m×α)
    let b, gt, a: SparseRows    // backward: their transposes

    init(m: Int, bt: [[Double]], g: [[Double]], at: [[Double]]) {
        self.m = m
        self.bt = SparseRows(bt); self.g = SparseRows(g); self.at = SparseRows(at)
        b = self.bt.transposed; gt = self.g.transposed; a = self.at.transposed
    }

    public static let f2x2 = WinogradTiling(
        m: 2,
        bt: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        g: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
        at: [[1, 1, 1, 0], [0, 1, -1, -1]])

    public static let f4x4 = WinogradTiling(
        m: 4,
        bt: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
             [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
        g: [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
            [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]],
        at: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]])

    /// Tiles along a side of `size` pixels.
    func tiles(_ size: Int) -> Int { (size + m - 1) / m }
}

/// A small constant matrix as its nonzero entries, row by row (row r: entries start[r] ..< start[r+1]).
struct SparseRows: Sendable, Equatable {
    let rows, cols: Int
    let coef: [Float], col: [Int], start: [Int]

    init(_ dense: [[Double]]) {
        rows = dense.count; cols = dense[0].count
        var coef: [Float] = [], col: [Int] = [], start = [0]
        for row in dense {
            precondition(row.count == cols, "SparseRows: ragged matrix")
            for (j, v) in row.enumerated() where v != 0 { coef.append(Float(v)); col.append(j) }
            precondition(coef.count > start.last!, "SparseRows: a row of zeros")
            start.append(coef.count)
        }
        self.coef = coef; self.col = col; self.start = start
    }

    var dense: [[Double]] {
        var d = [[Double]](repeating: [Double](repeating: 0, count: cols), count: rows)
        for r in 0..<rows { for k in start[r]..<start[r + 1] { d[r][col[k]] = Double(coef[k]) } }
        return d
    }

    var transposed: SparseRows {
        let d = dense
        return SparseRows((0..<cols).map { j in (0..<rows).map { d[$0][j] } })
    }
}

public final class WinogradConv3x3 {
    public let weight: Parameter
    public let bias: Parameter?
    public let inChannels, outChannels: Int
    public let tiling: WinogradTiling
    private let u = ColumnsBuffer(), v = ColumnsBuffer(), m = ColumnsBuffer(), du = ColumnsBuffer()
    private var savedShape: [Int] = []

    /// The Winograd form of a 3×3 stride-1 pad-1 `Conv2D`: the same parameters (gradients
    /// accumulate into the same buffer).
    public init(sharing conv: Conv2D, tiling: WinogradTiling = .f2x2) {
        let g = conv.geometry
        precondition(g.isWinogradable,
                     "WinogradConv3x3(\(conv.weight.name)): needs a 3×3 stride-1 pad-1 convolution, got \(g)")
        weight = conv.weight; bias = conv.bias; inChannels = g.inChannels; outChannels = g.outChannels
        self.tiling = tiling
    }

    /// Drops the kept V (the buffers are kept for reuse).
    public func release() { v.valid = false }

    /// y = conv(x). With `training`, keeps V for backward.
    public func forward(_ x: Tensor, training: Bool = true) -> Tensor {
        precondition(x.shape.count == 4 && x.c == inChannels,
                     "WinogradConv3x3(\(weight.name)): input \(x.shape), expected [N,H,W,\(inChannels)]")
        let (n, h, w, c, o) = (x.n, x.h, x.w, inChannels, outChannels)
        let p = tiling.alpha * tiling.alpha, t = n * tiling.tiles(h) * tiling.tiles(w)
        savedShape = x.shape
        let pu = u.reserve(p * o * c), pv = v.reserve(p * t * c), pm = m.reserve(p * t * o)
        winogradWeights(weight.values, o: o, c: c, tiling, into: pu)
        x.withPointer { winogradInput($0, shape: x.shape, tiling, into: pv) }
        for e in 0..<p {
            sgemm(transB: true, m: t, n: o, k: c, a: pv + e * t * c, lda: c, b: pu + e * o * c, ldb: c, c: pm + e * t * o, ldc: o)
        }
        let y = Tensor(shape: [n, h, w, o]) { py in winogradOutput(pm, shape: [n, h, w, o], tiling, bias: bias?.values, into: py) }
        v.valid = training
        return y
    }

    /// Accumulates dW (and db) and returns dx (nil with `needInputGrad: false`).
    @discardableResult
    public func backward(_ dy: Tensor, needInputGrad: Bool = true) -> Tensor? {
        let xs = savedShape
        let (n, h, w, c, o) = (xs[0], xs[1], xs[2], inChannels, outChannels)
        let p = tiling.alpha * tiling.alpha, t = n * tiling.tiles(h) * tiling.tiles(w)
        precondition(dy.shape == [n, h, w, o], "WinogradConv3x3(\(weight.name)).backward: dy \(dy.shape)")
        precondition(v.holds(p * t * c), "WinogradConv3x3.backward without a training forward")
        if let bias { dy.withPointer { biasGradient($0, shape: dy.shape, into: bias.grads) } }
        let pm = m.reserve(p * t * o), pv = v.pointer!, pu = u.pointer!
        dy.withPointer { winogradOutputAdjoint($0, shape: dy.shape, tiling, into: pm) }
        let du = self.du.reserve(p * o * c)   // a buffer of its own: U is still needed for dV
        for e in 0..<p {
            sgemm(transA: true, m: o, n: c, k: t, a: pm + e * t * o, lda: o, b: pv + e * t * c, ldb: c, c: du + e * o * c, ldc: c)
        }
        winogradWeightsAdjoint(du, o: o, c: c, tiling, into: weight.grads)
        guard needInputGrad else { v.valid = false; return nil }
        for e in 0..<p {   // dV overwrites V (no longer needed)
            sgemm(m: t, n: c, k: o, a: pm + e * t * o, lda: o, b: pu + e * o * c, ldb: c, c: pv + e * t * c, ldc: c)
        }
        let dx = Tensor(shape: xs) { winogradInputAdjoint(pv, shape: xs, tiling, into: $0) }
        v.valid = false
        return dx
    }
}

// MARK: - Transforms
// Each is `sandwich` over a grid of channel vectors: the innermost loops run over contiguous C
// or O (vectorised), the work is parallel over images, tile rows or output channels, and every
// output element is written from one thread.

/// d = base + Σ_k T[r, k] · src(k) over row r's nonzeros (in column order, summed before the
/// base is added), in one pass over d; base is a zero vector, the bias, or d itself (accumulate).
@inline(__always)
func combine(_ t: SparseRows, row r: Int, count c: Int, into d: UnsafeMutablePointer<Float>,
             base b: UnsafePointer<Float>, _ src: (Int) -> UnsafePointer<Float>) {
    let lo = t.start[r], n = t.start[r + 1] - lo
    let k0 = t.coef[lo], s0 = src(t.col[lo])
    if n == 1 { for i in 0..<c { d[i] = b[i] + k0 * s0[i] }; return }
    let k1 = t.coef[lo + 1], s1 = src(t.col[lo + 1])
    if n == 2 { for i in 0..<c { d[i] = b[i] + (k0 * s0[i] + k1 * s1[i]) }; return }
    let k2 = t.coef[lo + 2], s2 = src(t.col[lo + 2])
    if n == 3 { for i in 0..<c { d[i] = b[i] + (k0 * s0[i] + k1 * s1[i] + k2 * s2[i]) }; return }
    let k3 = t.coef[lo + 3], s3 = src(t.col[lo + 3])
    if n == 4 { for i in 0..<c { d[i] = b[i] + (k0 * s0[i] + k1 * s1[i] + k2 * s2[i] + k3 * s3[i]) }; return }
    let k4 = t.coef[lo + 4], s4 = src(t.col[lo + 4])
    if n == 5 { for i in 0..<c { d[i] = b[i] + (k0 * s0[i] + k1 * s1[i] + k2 * s2[i] + k3 * s3[i] + k4 * s4[i]) }; return }
    precondition(n == 6, "combine: a row of \(n) terms (α ≤ 6)")
    let k5 = t.coef[lo + 5], s5 = src(t.col[lo + 5])
    for i in 0..<c { d[i] = b[i] + (k0 * s0[i] + k1 * s1[i] + k2 * s2[i] + k3 * s3[i] + k4 * s4[i] + k5 * s5[i]) }
}

/// out[r, q] = (T · X · Tᵀ)[r, q] (+ bias, or + out[r, q] itself with `accumulate`) for a grid X
/// (T.cols × T.cols) of vectors of length c; out(r, q) nil skips that entry. Scratch: `tmp`
/// T.rows·T.cols·c floats; `zero` c zeros.
@inline(__always)
func sandwich(_ t: SparseRows, count c: Int, tmp: UnsafeMutablePointer<Float>, zero: UnsafePointer<Float>,
              accumulate: Bool = false, bias: UnsafePointer<Float>? = nil,
              x: (Int, Int) -> UnsafePointer<Float>, out: (Int, Int) -> UnsafeMutablePointer<Float>?) {
    let (p, a) = (t.rows, t.cols)
    for r in 0..<p {   // (T X)[r, j]
        for j in 0..<a { combine(t, row: r, count: c, into: tmp + (r * a + j) * c, base: zero) { x($0, j) } }
    }
    for r in 0..<p {   // (T X Tᵀ)[r, q] = Σ_j (T X)[r, j] T[q, j]
        let row = UnsafePointer(tmp + r * a * c)
        for q in 0..<p {
            guard let o = out(r, q) else { continue }
            combine(t, row: q, count: c, into: o, base: accumulate ? UnsafePointer(o) : bias ?? zero) { row + $0 * c }
        }
    }
}

/// Scratch of one parallel task: `tmp` (α²·c floats) and a zero vector (c floats).
@inline(__always)
func withScratch(_ tiling: WinogradTiling, count c: Int,
                 _ body: (_ tmp: UnsafeMutablePointer<Float>, _ zero: UnsafePointer<Float>) -> Void) {
    let a = tiling.alpha, s = UnsafeMutablePointer<Float>.allocate(capacity: (a * a + 1) * c)
    defer { s.deallocate() }
    (s + a * a * c).update(repeating: 0, count: c)
    body(s, UnsafePointer(s + a * a * c))
}

/// U[e, o, c] = (G g Gᵀ)[e], g = w[o, ·, ·, c].
func winogradWeights(_ w: UnsafePointer<Float>, o: Int, c: Int, _ tiling: WinogradTiling, into u: UnsafeMutablePointer<Float>) {
    let plane = o * c, a = tiling.alpha
    Parallel.forEach(o) { oi in
        withScratch(tiling, count: c) { tmp, zero in
            sandwich(tiling.g, count: c, tmp: tmp, zero: zero,
                     x: { kh, kw in w + (oi * 9 + kh * 3 + kw) * c }, out: { r, q in u + (r * a + q) * plane + oi * c })
        }
    }
}

/// dW[o, kh, kw, c] += (Gᵀ dU G)[kh, kw] over the α² points of dU[·, o, c].
func winogradWeightsAdjoint(_ du: UnsafePointer<Float>, o: Int, c: Int, _ tiling: WinogradTiling, into dw: UnsafeMutablePointer<Float>) {
    let plane = o * c, a = tiling.alpha
    Parallel.forEach(o) { oi in
        withScratch(tiling, count: c) { tmp, zero in
            sandwich(tiling.gt, count: c, tmp: tmp, zero: zero, accumulate: true,
                     x: { i, j in du + (i * a + j) * plane + oi * c }, out: { kh, kw in dw + (oi * 9 + kh * 3 + kw) * c })
        }
    }
}

/// Runs `body` for every tile of an [N, H, W, ·] map, parallel over tile rows: the image b, the
/// tile's output origin (oy, ox) (its input window starts one row and column before), its index
/// t = (b·TY + ty)·TX + tx, and the task's scratch for vectors of `count` floats.
@inline(__always)
func forEachTile(_ shape: [Int], _ tiling: WinogradTiling, count c: Int,
                 _ body: (_ b: Int, _ oy: Int, _ ox: Int, _ t: Int, _ tmp: UnsafeMutablePointer<Float>, _ zero: UnsafePointer<Float>) -> Void) {
    let (ty, tx, m) = (tiling.tiles(shape[1]), tiling.tiles(shape[2]), tiling.m)
    Parallel.forEach(shape[0] * ty) { row in
        withScratch(tiling, count: c) { tmp, zero in
            for txi in 0..<tx { body(row / ty, m * (row % ty), m * txi, row * tx + txi, tmp, zero) }
        }
    }
}

/// V[e, t, c] = (Bᵀ d B)[e] for every tile t = (image, ty, tx) and channel c.
func winogradInput(_ x: UnsafePointer<Float>, shape: [Int], _ tiling: WinogradTiling, into v: UnsafeMutablePointer<Float>) {
    let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
    let a = tiling.alpha, plane = n * tiling.tiles(h) * tiling.tiles(w) * c
    forEachTile(shape, tiling, count: c) { b, oy, ox, t, tmp, zero in
        sandwich(tiling.bt, count: c, tmp: tmp, zero: zero,
                 x: { i, j in
                     let (iy, ix) = (oy - 1 + i, ox - 1 + j)
                     return iy >= 0 && iy < h && ix >= 0 && ix < w ? x + ((b * h + iy) * w + ix) * c : zero
                 },
                 out: { r, q in v + (r * a + q) * plane + t * c })
    }
}

/// dx = Σ over tiles of B dV Bᵀ at the tile's input window (only the pixels inside the image).
/// Writes (zeroes first) all of dx; an image's tiles are summed in order on one thread.
func winogradInputAdjoint(_ dv: UnsafePointer<Float>, shape: [Int], _ tiling: WinogradTiling, into dx: UnsafeMutablePointer<Float>) {
    let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
    let (ty, tx, m, a) = (tiling.tiles(h), tiling.tiles(w), tiling.m, tiling.alpha)
    let plane = n * ty * tx * c
    Parallel.forEach(n) { b in
        let xb = dx + b * h * w * c
        xb.update(repeating: 0, count: h * w * c)
        withScratch(tiling, count: c) { tmp, zero in
            for tyi in 0..<ty { for txi in 0..<tx {
                let t = (b * ty + tyi) * tx + txi, y0 = m * tyi - 1, x0 = m * txi - 1
                sandwich(tiling.b, count: c, tmp: tmp, zero: zero, accumulate: true,
                         x: { i, j in dv + (i * a + j) * plane + t * c },
                         out: { r, q in
                             let (iy, ix) = (y0 + r, x0 + q)
                             return iy >= 0 && iy < h && ix >= 0 && ix < w ? xb + (iy * w + ix) * c : nil
                         })
            } }
        }
    }
}

/// y tile = Aᵀ M A (+ b) for every tile and output channel; outputs past the image are dropped.
func winogradOutput(_ mm: UnsafePointer<Float>, shape: [Int], _ tiling: WinogradTiling, bias: UnsafePointer<Float>?,
                    into y: UnsafeMutablePointer<Float>) {
    let (n, h, w, o) = (shape[0], shape[1], shape[2], shape[3])
    let a = tiling.alpha, plane = n * tiling.tiles(h) * tiling.tiles(w) * o
    forEachTile(shape, tiling, count: o) { b, oy, ox, t, tmp, zero in
        sandwich(tiling.at, count: o, tmp: tmp, zero: zero, bias: bias,
                 x: { i, j in mm + (i * a + j) * plane + t * o },
                 out: { r, q in oy + r < h && ox + q < w ? y + ((b * h + oy + r) * w + ox + q) * o : nil })
    }
}

/// dM = A dY Aᵀ for every tile and output channel (dY is 0 past the image).
func winogradOutputAdjoint(_ dy: UnsafePointer<Float>, shape: [Int], _ tiling: WinogradTiling, into dm: UnsafeMutablePointer<Float>) {
    let (n, h, w, o) = (shape[0], shape[1], shape[2], shape[3])
    let a = tiling.alpha, plane = n * tiling.tiles(h) * tiling.tiles(w) * o
    forEachTile(shape, tiling, count: o) { b, oy, ox, t, tmp, zero in
        sandwich(tiling.a, count: o, tmp: tmp, zero: zero,
                 x: { i, j in oy + i < h && ox + j < w ? dy + ((b * h + oy + i) * w + ox + j) * o : zero },
                 out: { r, q in dm + (r * a + q) * plane + t * o })
    }
}
