// Max pooling and nearest 2× upsampling, NHWC, forward and backward side by side.
//   MaxPool2D:  x [N,H,W,C] → y [N,Ho,Wo,C], y = max over the K×K window (padding never wins);
//               backward routes dy to the first arg-max of each window (saved as a flat index).
//   Upsample2x: x [N,H,W,C] → y [N,2H,2W,C], y[n,2i+a,2j+b,c] = x[n,i,j,c];
//               backward sums the four children.

public final class MaxPool2D {
    public let kernel, stride, padding: Int
    private var argmax: [Int32] = []
    private var inputShape: [Int] = []

    public init(kernel: Int, stride: Int, padding: Int = 0) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    public func outSize(_ s: Int) -> Int { (s + 2 * padding - kernel) / stride + 1 }

    public func forward(_ x: Tensor, training: Bool = true) -> Tensor {
        let (n, h, w, c) = (x.n, x.h, x.w, x.c)
        let (ho, wo) = (outSize(h), outSize(w))
        var arg = [Int32](repeating: 0, count: training ? n * ho * wo * c : 0)
        let y = Tensor(shape: [n, ho, wo, c]) { py in
            x.withPointer { px in
                for b in 0..<n { for oy in 0..<ho { for ox in 0..<wo { for ch in 0..<c {
                    var best = -Float.infinity, bestIdx = -1
                    for kh in 0..<kernel {
                        let iy = oy * stride - padding + kh
                        guard iy >= 0, iy < h else { continue }
                        for kw in 0..<kernel {
                            let ix = ox * stride - padding + kw
                            guard ix >= 0, ix < w else { continue }
                            let idx = ((b * h + iy) * w + ix) * c + ch
                            if px[idx] > best || bestIdx < 0 { best = px[idx]; bestIdx = idx }
                        }
                    }
                    let o = ((b * ho + oy) * wo + ox) * c + ch
                    py[o] = best
                    if training { arg[o] = Int32(bestIdx) }
                } } } }
            }
        }
        if training { argmax = arg; inputShape = x.shape }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(argmax.count == dy.count, "MaxPool2D.backward without a training forward")
        var dx = Tensor(shape: inputShape)
        dx.withMutablePointer { pdx in dy.withPointer { pdy in
            for i in 0..<dy.count { pdx[Int(argmax[i])] += pdy[i] }
        } }
        argmax = []
        return dx
    }
}

public enum Upsample2x {
    public static func forward(_ x: Tensor) -> Tensor {
        let (n, h, w, c) = (x.n, x.h, x.w, x.c)
        return Tensor(shape: [n, 2 * h, 2 * w, c]) { py in
            x.withPointer { px in
                for b in 0..<n { for i in 0..<2 * h { for j in 0..<2 * w {
                    (py + ((b * 2 * h + i) * 2 * w + j) * c).update(from: px + ((b * h + i / 2) * w + j / 2) * c, count: c)
                } } }
            }
        }
    }

    public static func backward(_ dy: Tensor) -> Tensor {
        let (n, h2, w2, c) = (dy.n, dy.h, dy.w, dy.c)
        let (h, w) = (h2 / 2, w2 / 2)
        var dx = Tensor(shape: [n, h, w, c])
        dx.withMutablePointer { pdx in dy.withPointer { pdy in
            for b in 0..<n { for i in 0..<h2 { for j in 0..<w2 {
                let s = pdy + ((b * h2 + i) * w2 + j) * c, d = pdx + ((b * h + i / 2) * w + j / 2) * c
                for k in 0..<c { d[k] += s[k] }
            } } }
        } }
        return dx
    }
}
