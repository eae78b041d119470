// Several convolutions that read the same input (same in-channels, kernel, stride, padding),
// computed as one: one im2col, one GEMM with the parts' output channels side by side, and in
// backward one dW GEMM, one dcols GEMM and one col2im. The PAA head uses it twice per level:
// the first conv of the cls and reg towers (both read P_l), and the reg and IoU outputs (both
// read the reg tower). Parameters stay in the parts (`Conv2D`), names and layouts unchanged.
//
//   O = Σ O_i,  Wcat [O, KKC] = rows of W_1 … W_k,  Ycat [R, O] = cols · Wcatᵀ
//   y_i = Ycat[:, off_i ..< off_i + O_i] + b_i
// Backward:  dYcat = [dy_1 | … | dy_k],  dW_i += (dYcatᵀ · cols)[off_i ..< off_i + O_i],
//            db_i += Σ_r dy_i,  dx = col2im(dYcat · Wcat).
// Versus separate convolutions this saves k − 1 im2col and col2im passes and packs the columns
// once per GEMM instead of k times; results differ only in summation order (dW is formed
// before it is added to the gradient, where Conv2D accumulates in the GEMM).
// Parts whose algorithm is Winograd (3×3 stride 1, `network_*.conv3x3: winograd | winograd4x4`)
// run as separate convolutions instead, each taking its own form for the input's size (each
// transforms the input itself; on a 1×1 map each runs im2col): dx = Σ_i dx_i in part order.

public final class SharedInputConv2D {
    public let parts: [Conv2D]
    private let geometry: ConvGeometry        // of the fused conv: outChannels = Σ O_i
    private let offsets: [Int]
    private let cols = ColumnsBuffer()
    private var savedInput: Tensor?
    private var savedShape: [Int] = []
    /// The parts as Winograd convolutions with activations of their own (nil: im2col, fused).
    private let winogradParts: [Conv2D]?

    public init(_ parts: [Conv2D]) {
        precondition(!parts.isEmpty, "SharedInputConv2D: no convolutions")
        let g = parts[0].geometry
        for p in parts {
            precondition(p.geometry.inChannels == g.inChannels && p.geometry.kernel == g.kernel
                         && p.geometry.stride == g.stride && p.geometry.padding == g.padding,
                         "SharedInputConv2D: \(p.weight.name) has geometry \(p.geometry), expected that of \(parts[0].weight.name)")
        }
        self.parts = parts
        var offs: [Int] = [], o = 0
        for p in parts { offs.append(o); o += p.geometry.outChannels }
        offsets = offs
        geometry = ConvGeometry(inChannels: g.inChannels, outChannels: o, kernel: g.kernel, stride: g.stride, padding: g.padding)
        winogradParts = parts.allSatisfy { $0.algorithm != .im2col } ? parts.map { Conv2D(sharing: $0) } : nil
    }

    /// The same parameters applied again with their own saved activations (another pyramid level).
    public convenience init(sharing other: SharedInputConv2D) { self.init(other.parts) }

    /// [y_1, …, y_k] for input x. With `training`, saves what backward needs.
    public func forward(_ x: Tensor, training: Bool = true) -> [Tensor] {
        if let winogradParts { return winogradParts.map { $0.forward(x, training: training) } }
        let g = geometry
        precondition(x.shape.count == 4 && x.c == g.inChannels,
                     "SharedInputConv2D(\(parts[0].weight.name)): input \(x.shape), expected [N,H,W,\(g.inChannels)]")
        let (n, ho, wo, o, kkc) = (x.n, g.outSize(x.h), g.outSize(x.w), g.outChannels, g.patch)
        let r = n * ho * wo
        savedShape = x.shape
        let wcat = UnsafeMutablePointer<Float>.allocate(capacity: o * kkc)
        let ycat = UnsafeMutablePointer<Float>.allocate(capacity: r * o)
        defer { wcat.deallocate(); ycat.deallocate() }
        for (p, off) in zip(parts, offsets) { (wcat + off * kkc).update(from: p.weight.values, count: p.geometry.outChannels * kkc) }
        if g.isPointwise {
            x.withPointer { px in sgemm(transB: true, m: r, n: o, k: kkc, a: px, lda: kkc, b: wcat, ldb: kkc, c: ycat, ldc: o) }
            savedInput = training ? x : nil
        } else {
            let pc = cols.reserve(r * kkc)
            x.withPointer { im2col($0, shape: x.shape, g, into: pc) }
            sgemm(transB: true, m: r, n: o, k: kkc, a: pc, lda: kkc, b: wcat, ldb: kkc, c: ycat, ldc: o)
            cols.valid = training
            savedInput = nil
        }
        let rowsPerImage = ho * wo
        return zip(parts, offsets).map { p, off in
            let oi = p.geometry.outChannels
            let bias = p.bias?.values
            return Tensor(shape: [n, ho, wo, oi]) { py in
                Parallel.forEach(n) { b in
                    for i in b * rowsPerImage..<(b + 1) * rowsPerImage {
                        let src = ycat + i * o + off, dst = py + i * oi
                        if let bias { for j in 0..<oi { dst[j] = src[j] + bias[j] } } else { dst.update(from: src, count: oi) }
                    }
                }
            }
        }
    }

    /// Accumulates every part's dW (and db) and returns dx (nil with `needInputGrad: false`).
    @discardableResult
    public func backward(_ dys: [Tensor], needInputGrad: Bool = true) -> Tensor? {
        precondition(dys.count == parts.count, "SharedInputConv2D.backward: \(dys.count) gradients for \(parts.count) convolutions")
        if let winogradParts {
            var dx: Tensor?
            for (p, dy) in zip(winogradParts, dys) {
                let d = p.backward(dy, needInputGrad: needInputGrad)
                if let d { if dx == nil { dx = d } else { addInPlace(&dx!, d) } }
            }
            return dx
        }
        let g = geometry, xs = savedShape
        let (n, ho, wo, o, kkc) = (xs[0], g.outSize(xs[1]), g.outSize(xs[2]), g.outChannels, g.patch)
        let r = n * ho * wo, rowsPerImage = ho * wo
        for (p, dy) in zip(parts, dys) {
            precondition(dy.shape == [n, ho, wo, p.geometry.outChannels], "SharedInputConv2D(\(p.weight.name)).backward: dy \(dy.shape)")
        }
        if g.isPointwise {
            precondition(savedInput != nil, "SharedInputConv2D.backward without a training forward")
        } else {
            precondition(cols.holds(r * kkc), "SharedInputConv2D.backward without a training forward")
        }
        // dYcat, and per-image bias partial sums (added in image order: deterministic).
        let dycat = UnsafeMutablePointer<Float>.allocate(capacity: r * o)
        let biasPartial = UnsafeMutablePointer<Float>.allocate(capacity: n * o)
        let dwcat = UnsafeMutablePointer<Float>.allocate(capacity: o * kkc)
        defer { dycat.deallocate(); biasPartial.deallocate(); dwcat.deallocate() }
        biasPartial.initialize(repeating: 0, count: n * o)
        for (p, (dy, off)) in zip(parts, zip(dys, offsets)) {
            let oi = p.geometry.outChannels
            dy.withPointer { pdy in
                Parallel.forEach(n) { b in
                    let acc = biasPartial + b * o + off
                    for i in b * rowsPerImage..<(b + 1) * rowsPerImage {
                        let src = pdy + i * oi
                        (dycat + i * o + off).update(from: src, count: oi)
                        for j in 0..<oi { acc[j] += src[j] }
                    }
                }
            }
        }
        for (p, off) in zip(parts, offsets) {
            guard let bias = p.bias else { continue }
            for b in 0..<n { for j in 0..<p.geometry.outChannels { bias.grads[j] += biasPartial[b * o + off + j] } }
        }
        let weightGrad: (UnsafePointer<Float>) -> Void = { pc in
            sgemm(transA: true, m: o, n: kkc, k: r, a: dycat, lda: o, b: pc, ldb: kkc, c: dwcat, ldc: kkc)
        }
        if let x = savedInput { x.withPointer(weightGrad) } else { weightGrad(cols.pointer!) }
        for (p, off) in zip(parts, offsets) {
            let grads = p.weight.grads, src = dwcat + off * kkc
            for i in 0..<p.geometry.outChannels * kkc { grads[i] += src[i] }
        }
        guard needInputGrad else { release(); return nil }
        let wcat = dwcat   // reuse: dW has been added to the gradients
        for (p, off) in zip(parts, offsets) { (wcat + off * kkc).update(from: p.weight.values, count: p.geometry.outChannels * kkc) }
        let dx: Tensor
        if g.isPointwise {
            dx = Tensor(shape: xs) { pdx in sgemm(m: r, n: kkc, k: o, a: dycat, lda: o, b: wcat, ldb: kkc, c: pdx, ldc: kkc) }
        } else {
            let pc = cols.pointer!   // the columns are no longer needed: reuse for dcols
            sgemm(m: r, n: kkc, k: o, a: dycat, lda: o, b: wcat, ldb: kkc, c: pc, ldc: kkc)
            dx = Tensor(shape: xs) { col2im(pc, shape: xs, g, into: $0) }
        }
        release()
        return dx
    }

    /// Drops saved activations (the columns buffer is kept for reuse).
    public func release() {
        cols.valid = false; savedInput = nil
        winogradParts?.forEach { $0.release() }
    }
}
