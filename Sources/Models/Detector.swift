// A dense detector network: backbone → FPN → PAA head. Owns one ParameterStore (one
// contiguous parameter buffer and one contiguous gradient buffer).
//   images [N, S, S, 3] (normalised, NHWC) → HeadOutputs (levels P3, P4, P5)
import Engine

public final class DetectorNetwork {
    public let config: ModelConfig
    public let store: ParameterStore
    let backbone: ResNetGN
    let neck: FPN
    let head: PAAHeadNet

    public init(config: ModelConfig, seed: UInt64) {
        self.config = config
        store = ParameterStore(seed: seed)
        backbone = ResNetGN(store, config)
        neck = FPN(store, inChannels: Array(config.widths.suffix(3)), channels: config.fpnChannels)
        head = PAAHeadNet(store, config, numLevels: ModelConfig.strides.count)
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
