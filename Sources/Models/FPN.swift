// Feature pyramid (DESIGN.md §6): lateral 1×1 convs to F channels, top-down nearest 2×
// upsample + add, then a 3×3 output conv per level.
//   C3 [N,16,16,c3], C4 [N,8,8,c4], C5 [N,4,4,c5]  →  P3 [N,16,16,F], P4 [N,8,8,F], P5 [N,4,4,F]
//   L_i = lateral_i(C_i);  M5 = L5;  M4 = L4 + up(M5);  M3 = L3 + up(M4);  P_i = out_i(M_i)
import Engine

final class FPN {
    let lateral: [Conv2D]
    let output: [Conv2D]

    init(_ s: ParameterStore, inChannels: [Int], channels f: Int) {
        lateral = inChannels.enumerated().map { i, c in
            Conv2D(s, name: "neck.lateral_convs.\(i)", inChannels: c, outChannels: f, kernel: 1, bias: true,
                   weightInit: .xavierUniform(fanIn: c, fanOut: f))
        }
        output = inChannels.indices.map { i in
            Conv2D(s, name: "neck.fpn_convs.\(i)", inChannels: f, outChannels: f, kernel: 3, padding: 1, bias: true,
                   weightInit: .xavierUniform(fanIn: 9 * f, fanOut: 9 * f))
        }
    }

    func forward(_ c: [Tensor], training: Bool) -> [Tensor] {
        var m = zip(lateral, c).map { $0.forward($1, training: training) }
        for i in stride(from: m.count - 2, through: 0, by: -1) {
            addInPlace(&m[i], Upsample2x.forward(m[i + 1]))
        }
        return zip(output, m).map { $0.forward($1, training: training) }
    }

    /// dP → dC.
    func backward(_ dp: [Tensor]) -> [Tensor] {
        var dm = zip(output, dp).map { $0.backward($1)! }
        // Top-down adds: dM_{i+1} += up^T(dM_i), from the finest level upward.
        for i in 0..<(dm.count - 1) {
            addInPlace(&dm[i + 1], Upsample2x.backward(dm[i]))
        }
        return zip(lateral, dm).map { $0.backward($1)! }
    }
}
