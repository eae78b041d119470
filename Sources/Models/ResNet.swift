// ResNet in torchvision's layout (He et al.; the backbone of the paper's detectors), NHWC:
//   x [N,H,W,3] → conv1 7×7/2 → norm → ReLU → maxpool 3×3/2 [N,H/4,W/4,w]
//   → layer1 (stride 1) → layer2 /8 (C3) → layer3 /16 (C4) → layer4 /32 (C5)
// with w = 64 (`baseWidth`) and stage planes w, 2w, 4w, 8w. Blocks:
//   BasicBlock  (ResNet-18/34, expansion 1): conv3×3(s)-norm-ReLU-conv3×3-norm (+ shortcut), ReLU
//   Bottleneck  (ResNet-50/101, expansion 4): conv1×1-norm-ReLU-conv3×3(s)-norm-ReLU-conv1×1-norm
//               (+ shortcut), ReLU — the stride sits on the 3×3 conv (torchvision, "ResNet v1.5")
// the shortcut is conv1×1(s)-norm (`downsample.0`, `downsample.1`) where the shape changes.
// Norm: FrozenBatchNorm (loaded statistics and affine, mmdet `norm_eval`) or GroupNorm(32);
// either way named as torchvision names it (`bn1`, `downsample.1`), so a GroupNorm network's
// state dict is torchvision's too (`norm_layer=GroupNorm`).
// Frozen stages (mmdet `frozen_stages`): k ≥ 0 freezes the stem and layer1…layerk — their
// tensors are registered frozen and backward stops above them (nothing below needs a gradient).
// Parameter names are torchvision's under `backbone.` (`backbone.layer2.0.conv1.weight`,
// `backbone.layer2.0.bn1.running_mean`), so a torchvision state dict loads
// by prefix (`ResNetWeights`).
import Engine

/// A ResNet's architecture as data (torchvision's resnet18/34/50/101, or a narrower twin).
public struct ResNetSpec: Codable, Equatable, Sendable {
    public enum Block: String, Codable, Sendable { case basic, bottleneck }
    public enum Norm: String, Codable, Sendable {
        /// BatchNorm frozen to its loaded statistics and affine.
        case frozenBN = "frozen_bn"
        /// GroupNorm with 32 groups (fewer when a layer has fewer channels), trained.
        case groupNorm = "gn"
    }
    public var block: Block
    /// Blocks per stage (layer1…layer4).
    public var blocks: [Int]
    /// Stem output channels and layer1's planes (torchvision: 64).
    public var baseWidth: Int
    public var norm: Norm
    /// −1: nothing frozen; 0: the stem; k ≥ 1: the stem and layer1…layerk.
    public var frozenStages: Int

    public init(block: Block, blocks: [Int], baseWidth: Int = 64, norm: Norm = .frozenBN, frozenStages: Int = 1) {
        self.block = block; self.blocks = blocks; self.baseWidth = baseWidth; self.norm = norm; self.frozenStages = frozenStages
    }

    /// torchvision's depths.
    public static func depth(_ d: Int, norm: Norm = .frozenBN, frozenStages: Int = 1) -> ResNetSpec? {
        switch d {
        case 18: return .init(block: .basic, blocks: [2, 2, 2, 2], norm: norm, frozenStages: frozenStages)
        case 34: return .init(block: .basic, blocks: [3, 4, 6, 3], norm: norm, frozenStages: frozenStages)
        case 50: return .init(block: .bottleneck, blocks: [3, 4, 6, 3], norm: norm, frozenStages: frozenStages)
        case 101: return .init(block: .bottleneck, blocks: [3, 4, 23, 3], norm: norm, frozenStages: frozenStages)
        default: return nil
        }
    }
    public static let depths = [18, 34, 50, 101]

    public var expansion: Int { block == .basic ? 1 : 4 }
    /// Channels of C3, C4, C5.
    public var outChannels: [Int] { (1...3).map { baseWidth << $0 * expansion } }
}

/// A norm layer of the spec's kind, with an optional fused ReLU.
final class Norm {
    private let bn: FrozenBatchNorm?
    private let gn: GroupNorm?

    init(_ s: ParameterStore, _ name: String, _ channels: Int, _ kind: ResNetSpec.Norm, relu: Bool, frozen: Bool) {
        switch kind {
        case .frozenBN:
            bn = FrozenBatchNorm(s, name: name, channels: channels, relu: relu); gn = nil
        case .groupNorm:
            gn = GroupNorm(s, name: name, channels: channels,
                           groups: min(32, channels), relu: relu, trainable: !frozen)
            bn = nil
        }
    }

    func forward(_ x: Tensor, training: Bool) -> Tensor { bn?.forward(x, training: training) ?? gn!.forward(x, training: training) }
    func backward(_ dy: Tensor) -> Tensor { bn?.backward(dy) ?? gn!.backward(dy) }
}

/// conv (no bias) → norm (→ ReLU).
final class ConvNorm {
    let conv: Conv2D
    let norm: Norm

    init(_ s: ParameterStore, conv convName: String, norm normName: String, _ cin: Int, _ cout: Int, kernel: Int,
         stride: Int, relu: Bool, kind: ResNetSpec.Norm, frozen: Bool) {
        conv = Conv2D(s, name: convName, inChannels: cin, outChannels: cout, kernel: kernel, stride: stride,
                      padding: kernel / 2, trainable: !frozen)
        norm = Norm(s, normName, cout, kind, relu: relu, frozen: frozen)
    }

    func forward(_ x: Tensor, training: Bool) -> Tensor { norm.forward(conv.forward(x, training: training), training: training) }
    func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor? { conv.backward(norm.backward(dy), needInputGrad: needInputGrad) }
}

/// One residual block (basic or bottleneck): a chain of ConvNorms, the shortcut, the merge.
final class ResidualBlock {
    let chain: [ConvNorm]
    let shortcut: ConvNorm?
    let out = AddReLU()

    init(_ s: ParameterStore, _ name: String, _ spec: ResNetSpec, cin: Int, planes: Int, stride: Int, frozen: Bool) {
        let k = spec.norm, cout = planes * spec.expansion
        func unit(_ i: Int, _ a: Int, _ b: Int, kernel: Int, stride: Int, relu: Bool) -> ConvNorm {
            ConvNorm(s, conv: "\(name).conv\(i)", norm: "\(name).bn\(i)", a, b, kernel: kernel, stride: stride, relu: relu, kind: k, frozen: frozen)
        }
        switch spec.block {
        case .basic:
            chain = [unit(1, cin, planes, kernel: 3, stride: stride, relu: true),
                     unit(2, planes, planes, kernel: 3, stride: 1, relu: false)]
        case .bottleneck:
            chain = [unit(1, cin, planes, kernel: 1, stride: 1, relu: true),
                     unit(2, planes, planes, kernel: 3, stride: stride, relu: true),
                     unit(3, planes, cout, kernel: 1, stride: 1, relu: false)]
        }
        shortcut = (stride != 1 || cin != cout)
            ? ConvNorm(s, conv: "\(name).downsample.0", norm: "\(name).downsample.1", cin, cout, kernel: 1, stride: stride,
                       relu: false, kind: k, frozen: frozen) : nil
    }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = chain.reduce(x) { $1.forward($0, training: training) }
        return out.forward(&y, shortcut?.forward(x, training: training) ?? x, training: training)
    }

    func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor? {
        let d = out.backward(dy)
        var g: Tensor? = d
        for (i, u) in chain.enumerated().reversed() { g = u.backward(g!, needInputGrad: i > 0 || needInputGrad) }
        guard needInputGrad, var dx = g else {
            _ = shortcut?.backward(d, needInputGrad: false)
            return nil
        }
        addInPlace(&dx, shortcut.map { $0.backward(d, needInputGrad: true)! } ?? d)
        return dx
    }
}

/// The torchvision-layout ResNet; returns [C3, C4, C5].
public final class ResNet {
    public let spec: ResNetSpec
    let stem: ConvNorm
    let pool = MaxPool2D(kernel: 3, stride: 2, padding: 1)
    let stages: [[ResidualBlock]]

    public init(_ s: ParameterStore, _ spec: ResNetSpec, prefix: String = "backbone.") {
        precondition(spec.blocks.count == 4 && spec.blocks.allSatisfy { $0 > 0 }, "ResNet: four non-empty stages expected")
        precondition((-1...4).contains(spec.frozenStages), "ResNet: frozen stages \(spec.frozenStages) not in -1...4")
        self.spec = spec
        stem = ConvNorm(s, conv: "\(prefix)conv1", norm: "\(prefix)bn1", 3, spec.baseWidth, kernel: 7, stride: 2, relu: true,
                        kind: spec.norm, frozen: spec.frozenStages >= 0)
        var cin = spec.baseWidth
        var stages: [[ResidualBlock]] = []
        for (i, n) in spec.blocks.enumerated() {
            let planes = spec.baseWidth << i
            stages.append((0..<n).map { j in
                defer { cin = planes * spec.expansion }
                return ResidualBlock(s, "\(prefix)layer\(i + 1).\(j)", spec, cin: cin, planes: planes,
                                     stride: j == 0 && i > 0 ? 2 : 1, frozen: i + 1 <= spec.frozenStages)
            })
        }
        self.stages = stages
    }

    /// Frozen stages run as in inference even when training: backward never reaches them, so
    /// they save nothing for it (at 1344×800 the stem's columns alone are 160 MB per image).
    public func forward(_ x: Tensor, training: Bool) -> [Tensor] {
        let stemSaves = training && spec.frozenStages < 0
        var y = pool.forward(stem.forward(x, training: stemSaves), training: stemSaves)
        var feats: [Tensor] = []
        for (i, stage) in stages.enumerated() {
            let saves = training && i + 1 > spec.frozenStages
            for block in stage { y = block.forward(y, training: saves) }
            if i >= 1 { feats.append(y) }
        }
        return feats
    }

    /// `grads` are dC3, dC4, dC5; accumulates the trainable parameters' gradients. Stops above
    /// the frozen stages (and at the stem: the images need no gradient).
    public func backward(_ grads: [Tensor]) {
        precondition(grads.count == 3, "ResNet.backward: dC3, dC4, dC5 expected")
        let lowest = max(spec.frozenStages, 0)   // the lowest stage that is trained
        guard lowest < stages.count else { return }
        var d: Tensor? = nil
        for i in stride(from: stages.count - 1, through: lowest, by: -1) {
            if i >= 1 {
                let g = grads[i - 1]
                if d == nil { d = g } else { addInPlace(&d!, g) }
            }
            for (j, block) in stages[i].enumerated().reversed() {
                let needInput = !(spec.frozenStages >= 0 && i == lowest && j == 0)
                d = block.backward(d!, needInputGrad: needInput)
                if !needInput { return }
            }
        }
        _ = stem.backward(pool.backward(d!), needInputGrad: false)
    }
}
