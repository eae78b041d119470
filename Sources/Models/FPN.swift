// Feature pyramid (DESIGN.md §6): lateral 1×1 convs to F channels, top-down nearest 2×
// upsample + add, then a 3×3 output conv per level; optionally two extra levels as the
// reference builds them (mmdet FPN, add_extra_convs='on_output', relu_before_extra_convs).
//   C3 [N,H/8,W/8,c3], C4 [N,H/16,W/16,c4], C5 [N,H/32,W/32,c5] → P3, P4, P5 [·,·,·,F] (+ P6, P7)
//   L_i = lateral_i(C_i);  M5 = L5;  M4 = L4 + up(M5);  M3 = L3 + up(M4);  P_i = out_i(M_i)
//   P6 = conv3×3/2(P5);  P7 = conv3×3/2(ReLU(P6))        (fpn_convs.3, fpn_convs.4; ⌈·/2⌉ sides)
// Backward: dP7 → dReLU(P6) adds to dP6; dP6 → adds to dP5; then the three-level pyramid.
import Engine

final class FPN {
    let lateral: [Conv2D]
    let output: [Conv2D]
    /// P6 and P7 (empty for three levels).
    let extra: [Conv2D]
    private let extraReLU = ReLU()

    init(_ s: ParameterStore, inChannels: [Int], channels f: Int, levels: Int = 3) {
        precondition(levels == 3 || levels == 5, "FPN: 3 or 5 levels, not \(levels)")
        lateral = inChannels.enumerated().map { i, c in
            Conv2D(s, name: "neck.lateral_convs.\(i)", inChannels: c, outChannels: f, kernel: 1, bias: true,
                   weightInit: .xavierUniform(fanIn: c, fanOut: f))
        }
        output = inChannels.indices.map { i in
            Conv2D(s, name: "neck.fpn_convs.\(i)", inChannels: f, outChannels: f, kernel: 3, padding: 1, bias: true,
                   weightInit: .xavierUniform(fanIn: 9 * f, fanOut: 9 * f))
        }
        extra = (inChannels.count..<levels).map { i in
            Conv2D(s, name: "neck.fpn_convs.\(i)", inChannels: f, outChannels: f, kernel: 3, stride: 2, padding: 1, bias: true,
                   weightInit: .xavierUniform(fanIn: 9 * f, fanOut: 9 * f))
        }
    }

    func forward(_ c: [Tensor], training: Bool) -> [Tensor] {
        var m = zip(lateral, c).map { $0.forward($1, training: training) }
        for i in stride(from: m.count - 2, through: 0, by: -1) {
            addInPlace(&m[i], Upsample2x.forward(m[i + 1]))
        }
        var p = zip(output, m).map { $0.forward($1, training: training) }
        if extra.count == 2 {
            let p6 = extra[0].forward(p[p.count - 1], training: training)
            p.append(p6)
            p.append(extra[1].forward(extraReLU.forward(p6, training: training), training: training))
        }
        return p
    }

    /// dP → dC.
    func backward(_ dp: [Tensor]) -> [Tensor] {
        var dp = dp
        if extra.count == 2 {
            var d6 = dp[3]
            addInPlace(&d6, extraReLU.backward(extra[1].backward(dp[4])!))
            addInPlace(&dp[2], extra[0].backward(d6)!)
            dp.removeLast(2)
        }
        var dm = zip(output, dp).map { $0.backward($1)! }
        // Top-down adds: dM_{i+1} += up^T(dM_i), from the finest level upward.
        for i in 0..<(dm.count - 1) {
            addInPlace(&dm[i + 1], Upsample2x.backward(dm[i]))
        }
        return zip(lateral, dm).map { $0.backward($1)! }
    }
}
