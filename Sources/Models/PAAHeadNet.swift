// The PAA head's network part (SPEC §2 with §0's sizes), weights shared across levels.
//   per level l:  P_l [N,H,W,F] ─┬─ cls tower (2×[conv3×3, GN, ReLU]) ─ conv3×3 → cls [N,H,W,C]
//                               └─ reg tower (2×[conv3×3, GN, ReLU]) ─┬ conv3×3 → ×scale_l → reg [N,H,W,4]
//                                                                    └ conv3×3 → iou [N,H,W,1]
// Batch → image → level: the outputs are NHWC, so row (y·W + x) of image n on level l is the
// anchor at grid cell (y, x): exactly the level-major, row-major anchor order of SPEC §1.
import Foundation
import Engine

/// Raw head outputs for one batch, one entry per pyramid level.
public struct HeadOutputs {
    public var cls: [Tensor]   // [N, H_l, W_l, C] logits
    public var reg: [Tensor]   // [N, H_l, W_l, 4] deltas (already × scale_l)
    public var iou: [Tensor]   // [N, H_l, W_l, 1] IoU logits

    public init(cls: [Tensor], reg: [Tensor], iou: [Tensor]) {
        self.cls = cls; self.reg = reg; self.iou = iou
    }
}

/// The head applied to one level: its own layer instances (own saved activations) over the
/// shared parameters. Convolutions that read the same tensor run as one (`SharedInputConv2D`):
/// the first conv of both towers (they read P_l) and the reg and IoU outputs (they read the reg
/// tower); the parameters and their names are those of the separate layers.
final class PAAHeadLevel {
    let towerStart: SharedInputConv2D           // cls_convs.0.conv, reg_convs.0.conv
    let clsNorm0: GroupNorm, regNorm0: GroupNorm
    let clsTower: [ConvNormAct], regTower: [ConvNormAct]   // tower layers 1 ..< headConvs
    let clsOut: Conv2D
    let regIouOut: SharedInputConv2D            // conv_reg, conv_iou
    let scale: Parameter
    private var savedRawReg: Tensor?

    init(clsTower: [ConvNormAct], regTower: [ConvNormAct], clsOut: Conv2D, regOut: Conv2D, iouOut: Conv2D, scale: Parameter) {
        towerStart = SharedInputConv2D([clsTower[0].conv, regTower[0].conv])
        clsNorm0 = clsTower[0].norm; regNorm0 = regTower[0].norm
        self.clsTower = Array(clsTower.dropFirst()); self.regTower = Array(regTower.dropFirst())
        self.clsOut = clsOut
        regIouOut = SharedInputConv2D([regOut, iouOut])
        self.scale = scale
    }

    /// Another level: the same parameters with fresh layer instances.
    init(sharing o: PAAHeadLevel, scale: Parameter) {
        towerStart = SharedInputConv2D(sharing: o.towerStart)
        clsNorm0 = GroupNorm(sharing: o.clsNorm0); regNorm0 = GroupNorm(sharing: o.regNorm0)
        clsTower = o.clsTower.map { ConvNormAct(sharing: $0) }; regTower = o.regTower.map { ConvNormAct(sharing: $0) }
        clsOut = Conv2D(sharing: o.clsOut)
        regIouOut = SharedInputConv2D(sharing: o.regIouOut)
        self.scale = scale
    }

    func forward(_ p: Tensor, training: Bool) -> (cls: Tensor, reg: Tensor, iou: Tensor) {
        let t = towerStart.forward(p, training: training)
        var c = clsNorm0.forward(t[0], training: training), r = regNorm0.forward(t[1], training: training)
        for layer in clsTower { c = layer.forward(c, training: training) }
        for layer in regTower { r = layer.forward(r, training: training) }
        let cls = clsOut.forward(c, training: training)
        let out = regIouOut.forward(r, training: training)
        let (raw, iou) = (out[0], out[1])
        let s = scale.values[0]
        var reg = raw
        reg.withMutablePointer { pr in for i in 0..<raw.count { pr[i] *= s } }
        savedRawReg = training ? raw : nil
        return (cls, reg, iou)
    }

    func backward(dCls: Tensor, dReg: Tensor, dIou: Tensor) -> Tensor {
        guard let raw = savedRawReg else { preconditionFailure("PAAHeadLevel.backward without a training forward") }
        let s = scale.values[0]
        var dRaw = dReg
        var ds = 0.0
        dRaw.withMutablePointer { pd in raw.withPointer { pr in
            for i in 0..<raw.count { ds += Double(pd[i] * pr[i]); pd[i] *= s }
        } }
        scale.grads[0] += Float(ds)
        savedRawReg = nil
        var dr = regIouOut.backward([dRaw, dIou])!
        for layer in regTower.reversed() { dr = layer.backward(dr)! }
        var dc = clsOut.backward(dCls)!
        for layer in clsTower.reversed() { dc = layer.backward(dc)! }
        return towerStart.backward([clsNorm0.backward(dc), regNorm0.backward(dr)])!
    }
}

final class PAAHeadNet {
    let levels: [PAAHeadLevel]
    /// Prior-probability init of the cls bias: −log((1−π)/π), π = 0.01 (SPEC §2).
    static let clsPriorBias = Float(-Foundation.log((1 - 0.01) / 0.01))

    init(_ s: ParameterStore, _ cfg: ModelConfig, numLevels: Int) {
        let (f, h) = (cfg.fpnChannels, cfg.headChannels)
        let headInit = Initializer.normal(std: 0.01)
        func tower(_ name: String) -> [ConvNormAct] {
            (0..<cfg.headConvs).map { i in
                ConvNormAct(s, "head.\(name).\(i)", i == 0 ? f : h, h, kernel: 3, stride: 1, relu: true, weightInit: headInit,
                            groups: min(cfg.gnGroups, h))
            }
        }
        precondition(cfg.headConvs >= 1, "PAAHeadNet: head_convs must be ≥ 1")
        let cls = tower("cls_convs"), reg = tower("reg_convs")
        let clsOut = Conv2D(s, name: "head.conv_cls", inChannels: h, outChannels: cfg.numClasses, kernel: 3, padding: 1,
                            bias: true, weightInit: headInit, biasInit: .constant(Self.clsPriorBias))
        let regOut = Conv2D(s, name: "head.conv_reg", inChannels: h, outChannels: 4, kernel: 3, padding: 1,
                            bias: true, weightInit: headInit)
        let iouOut = Conv2D(s, name: "head.conv_iou", inChannels: h, outChannels: 1, kernel: 3, padding: 1,
                            bias: true, weightInit: headInit)
        let scales = (0..<numLevels).map { s.register("head.scales.\($0)", shape: [1], init: .constant(1)) }
        let first = PAAHeadLevel(clsTower: cls, regTower: reg, clsOut: clsOut, regOut: regOut, iouOut: iouOut, scale: scales[0])
        levels = [first] + (1..<numLevels).map { PAAHeadLevel(sharing: first, scale: scales[$0]) }
    }

    func forward(_ p: [Tensor], training: Bool) -> HeadOutputs {
        var out = HeadOutputs(cls: [], reg: [], iou: [])
        for (level, x) in zip(levels, p) {
            let o = level.forward(x, training: training)
            out.cls.append(o.cls); out.reg.append(o.reg); out.iou.append(o.iou)
        }
        return out
    }

    func backward(_ g: HeadOutputs) -> [Tensor] {
        levels.indices.map { l in levels[l].backward(dCls: g.cls[l], dReg: g.reg[l], dIou: g.iou[l]) }
    }
}
