// A dense detector network: backbone → FPN → PAA head. Owns one ParameterStore (one
// contiguous parameter buffer and one contiguous gradient buffer).
//   images [N, H, W, 3] (normalised, NHWC; H, W multiples of 32) → HeadOutputs (P3–P5 or P3–P7)
import Engine

/// C3, C4, C5 from images, and back.
protocol Backbone: AnyObject {
    func forward(_ x: Tensor, training: Bool) -> [Tensor]
    func backward(_ grads: [Tensor])
}
extension ResNetGN: Backbone {}
extension ResNet: Backbone {}

public final class DetectorNetwork {
    public let config: ModelConfig
    public let store: ParameterStore
    let backbone: Backbone
    let neck: FPN
    let head: PAAHeadNet

    public init(config: ModelConfig, seed: UInt64) {
        self.config = config
        store = ParameterStore(seed: seed)
        store.convAlgorithm = config.conv3x3
        let store = self.store
        backbone = config.resnet.map { ResNet(store, $0) } ?? ResNetGN(store, config)
        neck = FPN(store, inChannels: config.backboneChannels, channels: config.fpnChannels, levels: config.levels)
        head = PAAHeadNet(store, config, numLevels: config.levels)
    }

    /// Forward pass. With `training: false` nothing is saved (teacher / inference).
    public func forward(_ images: Tensor, training: Bool = true) -> HeadOutputs {
        precondition(images.shape.count == 4 && images.c == 3, "DetectorNetwork: images \(images.shape), expected [N,H,W,3]")
        precondition(images.h % 32 == 0 && images.w % 32 == 0, "DetectorNetwork: image side must be a multiple of 32")
        return head.forward(neck.forward(backbone.forward(images, training: training), training: training), training: training)
    }

    /// Backward from the gradients of the head outputs; accumulates into `store.grads`.
    public func backward(_ grads: HeadOutputs) {
        backbone.backward(neck.backward(head.backward(grads)))
    }

    public var parameterCount: Int { store.count }
}
