// 2-D convolution, NHWC, forward and backward side by side.
// Legend: N batch, H/W input rows/cols, C input channels, O output channels, K kernel side,
// S stride, P padding, Ho/Wo output rows/cols, R = N·Ho·Wo output positions, KKC = K·K·C.
//
//   x     [N, H, W, C]
//   w     [O, K, K, C]        (row-major; note: OHWI, not PyTorch's OIHW)
//   b     [O]                 (optional)
//   cols  [R, KKC]            im2col of x, column index (kh·K + kw)·C + c
//   y     [N, Ho, Wo, O] = cols · wᵀ + b      — one sgemm over the whole batch
//
// Backward:  dW += dYᵀ · cols,  db += Σ_r dY,  dcols = dY · W,  dx = col2im(dcols).
// A 1×1 stride-1 unpadded conv uses x itself as `cols` (no copy).

/// How a 3×3 stride-1 pad-1 convolution computes (every other geometry uses im2col): im2col +
/// one GEMM, or Winograd F(2×2, 3×3) / F(4×4, 3×3) (Winograd.swift: 2.25× / 4× fewer
/// multiply-adds; they round differently, so the choice is part of a run's numbers).
public enum ConvAlgorithm: String, Codable, CaseIterable, Sendable {
    case im2col, winograd, winograd4x4

    /// The tiling for an H×W input, nil for im2col. Winograd pays per tile and per weight
    /// (transforms), so on maps smaller than a tile a smaller tiling, or im2col, does less work:
    /// `winograd4x4` takes F(4×4) from a side of `minSide4x4`, F(2×2) from `minSide2x2`.
    public func tiling(height h: Int, width w: Int) -> WinogradTiling? {
        let side = min(h, w)
        switch self {
        case .im2col: return nil
        case .winograd: return side >= Self.minSide2x2 ? .f2x2 : nil
        case .winograd4x4: return side >= Self.minSide4x4 ? .f4x4 : side >= Self.minSide2x2 ? .f2x2 : nil
        }
    }
    /// Measured on the presets (`colad bench ops --profile-preset P --conv3x3
    /// im2col,winograd,winograd4x4`, 41 alternating rounds, two runs; the im2col ÷ winograd4x4
    /// median with F(4×4) from a side of 1 / 4 / 8 / 16: small ×1.15-1.20 / 1.14-1.21 / 1.24-1.26 /
    /// 1.27-1.30, tiny ×1.13-1.14 / 1.14-1.16 / 1.20-1.21 / 1.16-1.24): at a side of 4 an image is
    /// one F(4×4) tile and the weight transform and 36 thin GEMMs cost more than they save; 8 and
    /// 16 are within the noise of each other, and 8 keeps F(4×4) on the 8×8 maps. F(2×2) from a
    /// side of 2, 4 or 8 within winograd4x4 (the three alternating in one process, 41 rounds, two
    /// runs): within ±5 % of each other and not the same way twice, so 2 stays. A 1×1 map (P7 at 128 px with fpn_levels 5) is left to im2col: a 4×4 tile (16
    /// products) for one output (9).
    public static let minSide2x2 = 2, minSide4x4 = 8
}

/// Geometry of one convolution.
public struct ConvGeometry: Equatable {
    public let inChannels, outChannels, kernel, stride, padding: Int
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }
    public func outSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }
    public var patch: Int { kernel * kernel * inChannels }
    public var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }
    /// Whether Winograd F(2×2, 3×3) applies (3×3, stride 1, padding 1).
    public var isWinogradable: Bool { kernel == 3 && stride == 1 && padding == 1 }
}

public final class Conv2D {
    public let geometry: ConvGeometry
    public let weight: Parameter
    public let bias: Parameter?
    /// A Winograd algorithm only for a 3×3 stride-1 pad-1 convolution built on a store that asks for it.
    public let algorithm: ConvAlgorithm
    private let cols = ColumnsBuffer()
    private lazy var winograd2x2 = WinogradConv3x3(sharing: self, tiling: .f2x2)
    private lazy var winograd4x4 = WinogradConv3x3(sharing: self, tiling: .f4x4)
    /// The Winograd form the last forward took (nil: im2col); backward follows it.
    private var winograd: WinogradConv3x3?
    // Saved by forward for backward.
    private var savedInput: Tensor?
    private var savedShape: [Int] = []

    /// A second application of `other`'s weights with its own saved activations (weights
    /// shared across pyramid levels); gradients accumulate into the same buffer.
    public init(sharing other: Conv2D) {
        geometry = other.geometry; weight = other.weight; bias = other.bias; algorithm = other.algorithm
    }

    public init(_ store: ParameterStore, name: String, inChannels: Int, outChannels: Int,
                kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = false,
                weightInit: Initializer? = nil, biasInit: Initializer = .constant(0), trainable: Bool = true) {
        geometry = ConvGeometry(inChannels: inChannels, outChannels: outChannels,
                                kernel: kernel, stride: stride, padding: padding)
        let fanOut = outChannels * kernel * kernel
        weight = store.register("\(name).weight", shape: [outChannels, kernel, kernel, inChannels],
                                init: weightInit ?? .kaimingNormal(fan: fanOut), trainable: trainable)
        self.bias = bias ? store.register("\(name).bias", shape: [outChannels], init: biasInit, trainable: trainable) : nil
        algorithm = geometry.isWinogradable ? store.convAlgorithm : .im2col
    }

    /// y = conv(x). With `training`, saves what backward needs.
    public func forward(_ x: Tensor, training: Bool = true) -> Tensor {
        let g = geometry
        precondition(x.shape.count == 4 && x.c == g.inChannels,
                     "Conv2D(\(weight.name)): input \(x.shape), expected [N,H,W,\(g.inChannels)]")
        switch algorithm.tiling(height: x.h, width: x.w) {
        case nil: winograd = nil
        case let t?: winograd = t == .f2x2 ? winograd2x2 : winograd4x4
        }
        if let winograd { return winograd.forward(x, training: training) }
        let (n, ho, wo) = (x.n, g.outSize(x.h), g.outSize(x.w))
        let r = n * ho * wo
        let o = g.outChannels
        var y = Tensor(shape: [n, ho, wo, o]) { _ in }
        savedShape = x.shape
        if g.isPointwise {
            x.withPointer { px in y.withMutablePointer { py in
                sgemm(transB: true, m: r, n: o, k: g.patch, a: px, lda: g.patch,
                      b: weight.values, ldb: g.patch, c: py, ldc: o)
            } }
            savedInput = training ? x : nil
        } else {
            let pc = cols.reserve(r * g.patch)
            x.withPointer { im2col($0, shape: x.shape, g, into: pc) }
            y.withMutablePointer { py in
                sgemm(transB: true, m: r, n: o, k: g.patch, a: pc, lda: g.patch,
                      b: weight.values, ldb: g.patch, c: py, ldc: o)
            }
            cols.valid = training
            savedInput = nil
        }
        if let bias {
            let pb = bias.values
            let rowsPerImage = ho * wo
            y.withMutablePointer { py in
                Parallel.forEach(n) { b in
                    for i in b * rowsPerImage..<(b + 1) * rowsPerImage { for j in 0..<o { py[i * o + j] += pb[j] } }
                }
            }
        }
        return y
    }

    /// Accumulates dW (and db) and returns dx. `needInputGrad: false` skips dx (first layer).
    @discardableResult
    public func backward(_ dy: Tensor, needInputGrad: Bool = true) -> Tensor? {
        if let winograd { return winograd.backward(dy, needInputGrad: needInputGrad) }
        let g = geometry
        let xs = savedShape
        let (n, ho, wo, o) = (xs[0], g.outSize(xs[1]), g.outSize(xs[2]), g.outChannels)
        let r = n * ho * wo
        precondition(dy.shape == [n, ho, wo, o], "Conv2D(\(weight.name)).backward: dy \(dy.shape)")
        if let bias { dy.withPointer { biasGradient($0, shape: dy.shape, into: bias.grads) } }
        let colsPtr: (UnsafePointer<Float>) -> Void = { pc in
            dy.withPointer { pdy in
                sgemm(transA: true, m: o, n: g.patch, k: r, a: pdy, lda: o, b: pc, ldb: g.patch,
                      beta: 1, c: self.weight.grads, ldc: g.patch)
            }
        }
        if g.isPointwise {
            guard let x = savedInput else { preconditionFailure("Conv2D.backward without a training forward") }
            x.withPointer(colsPtr)
        } else {
            precondition(cols.holds(r * g.patch), "Conv2D.backward without a training forward")
            colsPtr(cols.pointer!)
        }
        guard needInputGrad else { release(); return nil }
        var dx: Tensor
        if g.isPointwise {
            dx = Tensor(shape: xs) { pdx in
                dy.withPointer { pdy in
                    sgemm(m: r, n: g.patch, k: o, a: pdy, lda: o, b: weight.values, ldb: g.patch, c: pdx, ldc: g.patch)
                }
            }
        } else {
            // Reuse the columns buffer for dcols.
            let pc = cols.pointer!
            dy.withPointer { pdy in
                sgemm(m: r, n: g.patch, k: o, a: pdy, lda: o, b: weight.values, ldb: g.patch, c: pc, ldc: g.patch)
            }
            dx = Tensor(shape: xs) { col2im(pc, shape: xs, g, into: $0) }
        }
        release()
        return dx
    }

    /// Drops saved activations (the columns buffer is kept for reuse).
    public func release() {
        cols.valid = false; savedInput = nil
        winograd?.release()
    }
}

/// db += Σ over positions of dY [N, Ho, Wo, O]: per-image partial sums, added in image order
/// (deterministic for any thread count). Conv2D and WinogradConv3x3 share it.
func biasGradient(_ dy: UnsafePointer<Float>, shape: [Int], into db: UnsafeMutablePointer<Float>) {
    let (n, positions, o) = (shape[0], shape[1] * shape[2], shape[3])
    var partial = [Float](repeating: 0, count: n * o)
    partial.withUnsafeMutableBufferPointer { pp in
        let part = pp.baseAddress!
        Parallel.forEach(n) { b in
            let acc = part + b * o
            for i in b * positions..<(b + 1) * positions { for j in 0..<o { acc[j] += dy[i * o + j] } }
        }
        for b in 0..<n { for j in 0..<o { db[j] += part[b * o + j] } }
    }
}

/// The im2col columns a convolution keeps between calls, so steady-state training allocates
/// nothing here; backward reuses the buffer for dcols. `valid`: columns of a training forward.
final class ColumnsBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>?
    private var capacity = 0
    var valid = false

    deinit { pointer?.deallocate() }

    /// At least `count` floats (grown when needed; contents undefined).
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer?.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        return pointer!
    }

    /// Whether valid columns of at least `count` floats are held.
    func holds(_ count: Int) -> Bool { valid && capacity >= count }
}

/// cols[r, (kh·K+kw)·C + c] = x[n, ho·S−P+kh, wo·S−P+kw, c] (0 outside). Parallel over images.
func im2col(_ x: UnsafePointer<Float>, shape: [Int], _ g: ConvGeometry, into cols: UnsafeMutablePointer<Float>) {
    let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
    let (k, s, p) = (g.kernel, g.stride, g.padding)
    let (ho, wo) = (g.outSize(h), g.outSize(w))
    Parallel.forEach(n) { b in
        let xb = x + b * h * w * c
        var row = cols + b * ho * wo * g.patch
        for oy in 0..<ho {
            for ox in 0..<wo {
                var dst = row
                for kh in 0..<k {
                    let iy = oy * s - p + kh
                    if iy < 0 || iy >= h {
                        dst.update(repeating: 0, count: k * c); dst += k * c; continue
                    }
                    for kw in 0..<k {
                        let ix = ox * s - p + kw
                        if ix < 0 || ix >= w { dst.update(repeating: 0, count: c) }
                        else { dst.update(from: xb + (iy * w + ix) * c, count: c) }
                        dst += c
                    }
                }
                row += g.patch
            }
        }
    }
}

/// Adjoint of im2col: dx[n, iy, ix, c] = Σ dcols[r, (kh·K+kw)·C + c] over the windows that
/// cover (iy, ix). Writes (zeroes first) all of dx. Parallel over images.
func col2im(_ cols: UnsafePointer<Float>, shape: [Int], _ g: ConvGeometry, into dx: UnsafeMutablePointer<Float>) {
    let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
    let (k, s, p) = (g.kernel, g.stride, g.padding)
    let (ho, wo) = (g.outSize(h), g.outSize(w))
    Parallel.forEach(n) { b in
        let xb = dx + b * h * w * c
        xb.update(repeating: 0, count: h * w * c)
        var row = cols + b * ho * wo * g.patch
        for oy in 0..<ho {
            for ox in 0..<wo {
                var src = row
                for kh in 0..<k {
                    let iy = oy * s - p + kh
                    if iy < 0 || iy >= h { src += k * c; continue }
                    for kw in 0..<k {
                        let ix = ox * s - p + kw
                        if ix >= 0 && ix < w { RowKernels.add(src, xb + (iy * w + ix) * c, c) }
                        src += c
                    }
                }
                row += g.patch
            }
        }
    }
}

/// Naive direct-loop convolution, the reference the fast path is tested against.
/// Returns y for x [N,H,W,C], w [O,K,K,C], b [O] or empty.
public func referenceConv2D(x: Tensor, weight: [Float], bias: [Float], _ g: ConvGeometry) -> Tensor {
    let (n, h, w, c) = (x.n, x.h, x.w, x.c)
    let (ho, wo, o, k) = (g.outSize(h), g.outSize(w), g.outChannels, g.kernel)
    var y = Tensor(shape: [n, ho, wo, o])
    for b in 0..<n { for oy in 0..<ho { for ox in 0..<wo { for oc in 0..<o {
        var acc: Double = bias.isEmpty ? 0 : Double(bias[oc])
        for kh in 0..<k { for kw in 0..<k {
            let iy = oy * g.stride - g.padding + kh, ix = ox * g.stride - g.padding + kw
            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
            for ic in 0..<c {
                acc += Double(x.data[((b * h + iy) * w + ix) * c + ic]) * Double(weight[((oc * k + kh) * k + kw) * c + ic])
            }
        } }
        y.data[((b * ho + oy) * wo + ox) * o + oc] = Float(acc)
    } } } }
    return y
}
