// ResNet-style backbone with GroupNorm (DESIGN.md §6).
//   x [N,128,128,3] → stem conv3×3/2 [N,64,64,stem] → stage1 /4 → stage2 /8 (C3) → stage3 /16 (C4)
//   → stage4 /32 (C5). Each stage starts with a stride-2 BasicBlock with projection shortcut.
import Engine

/// conv → GroupNorm → (ReLU), the unit every tower is made of (the ReLU is fused into the norm).
final class ConvNormAct {
    let conv: Conv2D
    let norm: GroupNorm

    init(_ s: ParameterStore, _ name: String, _ cin: Int, _ cout: Int, kernel: Int, stride: Int, relu: Bool,
         weightInit: Initializer? = nil, groups: Int? = nil) {
        conv = Conv2D(s, name: "\(name).conv", inChannels: cin, outChannels: cout, kernel: kernel, stride: stride,
                      padding: kernel / 2, weightInit: weightInit)
        norm = GroupNorm(s, name: "\(name).gn", channels: cout, groups: groups ?? gnGroups(cout), relu: relu)
    }

    init(sharing o: ConvNormAct) {
        conv = Conv2D(sharing: o.conv); norm = GroupNorm(sharing: o.norm)
    }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        norm.forward(conv.forward(x, training: training), training: training)
    }

    func backward(_ dy: Tensor, needInputGrad: Bool = true) -> Tensor? {
        conv.backward(norm.backward(dy), needInputGrad: needInputGrad)
    }
}

/// conv3×3(s)-GN-ReLU-conv3×3-GN (+ shortcut, projected by conv1×1(s)-GN when shape changes), ReLU.
final class BasicBlock {
    let a: ConvNormAct, b: ConvNormAct
    let shortcut: ConvNormAct?
    let out = AddReLU()

    init(_ s: ParameterStore, _ name: String, _ cin: Int, _ cout: Int, stride: Int) {
        a = ConvNormAct(s, "\(name).conv1", cin, cout, kernel: 3, stride: stride, relu: true)
        b = ConvNormAct(s, "\(name).conv2", cout, cout, kernel: 3, stride: 1, relu: false)
        shortcut = (stride != 1 || cin != cout)
            ? ConvNormAct(s, "\(name).downsample", cin, cout, kernel: 1, stride: stride, relu: false) : nil
    }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = b.forward(a.forward(x, training: training), training: training)
        return out.forward(&y, shortcut?.forward(x, training: training) ?? x, training: training)
    }

    func backward(_ dy: Tensor) -> Tensor {
        let d = out.backward(dy)
        var dx = a.backward(b.backward(d)!)!
        addInPlace(&dx, shortcut.map { $0.backward(d)! } ?? d)
        return dx
    }
}

/// The backbone; returns [C3, C4, C5].
final class ResNetGN {
    let stem: ConvNormAct
    let stages: [[BasicBlock]]

    init(_ s: ParameterStore, _ cfg: ModelConfig) {
        precondition(cfg.widths.count == 4 && cfg.blocks.count == 4, "ResNetGN: four stages expected")
        stem = ConvNormAct(s, "backbone.stem", 3, cfg.stem, kernel: 3, stride: 2, relu: true)
        var cin = cfg.stem
        var stages: [[BasicBlock]] = []
        for (i, (w, n)) in zip(cfg.widths, cfg.blocks).enumerated() {
            var blocks: [BasicBlock] = []
            for j in 0..<n {
                blocks.append(BasicBlock(s, "backbone.layer\(i + 1).\(j)", cin, w, stride: j == 0 ? 2 : 1))
                cin = w
            }
            stages.append(blocks)
        }
        self.stages = stages
    }

    func forward(_ x: Tensor, training: Bool) -> [Tensor] {
        var y = stem.forward(x, training: training)
        var feats: [Tensor] = []
        for (i, stage) in stages.enumerated() {
            for block in stage { y = block.forward(y, training: training) }
            if i >= 1 { feats.append(y) }
        }
        return feats
    }

    /// `grads` are dC3, dC4, dC5.
    func backward(_ grads: [Tensor]) {
        var d: Tensor? = nil
        for i in stride(from: stages.count - 1, through: 0, by: -1) {
            if i >= 1 {
                let g = grads[i - 1]
                if d == nil { d = g } else { addInPlace(&d!, g) }
            }
            for block in stages[i].reversed() { d = block.backward(d!) }
        }
        _ = stem.backward(d!, needInputGrad: false)
    }
}
