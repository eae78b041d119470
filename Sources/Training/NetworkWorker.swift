// One network in this process: its weights, optimizer and schedule, and the per-iteration
// steps a replica calls in order (forward → costs → backward → step).
import Config
import Detection
import Engine
import Foundation
import Models
import PAA

public final class NetworkWorker {
    public let id: NetworkID
    public let network: DetectorNetwork
    /// nil for a frozen teacher (lad/soft/solad network A).
    public let optimizer: SGD?
    public let schedule: LRSchedule
    public private(set) var outputs: HeadOutputs?
    /// What `init_from` loaded, for the start-up log ("network a: 36 tensors under backbone.
    /// from F …"); nil without `init_from`.
    public private(set) var initialisation: String?

    public var frozen: Bool { optimizer == nil }

    /// Builds the network, drawing its initial weights from the random stream (seed, `stream`);
    /// `TrainingConfig.initialisationStream` names it after the architecture, so runs of one
    /// seed start a given architecture identically whatever the mode or slot.
    public init(id: NetworkID, config: NetworkConfig, numClasses: Int, seed: Int, stream: String, train: ScheduleConfig, frozen: Bool) throws {
        self.id = id
        let model = ModelConfig(config, numClasses: numClasses)
        var mix = SplitMix64(seed: UInt64(bitPattern: Int64(seed)), key: stream)
        network = DetectorNetwork(config: model, seed: mix.next())
        optimizer = frozen ? nil : SGD(network.store, config: SGDConfig(momentum: Float(train.momentum),
                                                                        weightDecay: Float(train.weightDecay),
                                                                        clipNorm: train.clipGradNorm.map { Float($0) }))
        schedule = LRSchedule(baseLR: Float(train.lr), warmupIters: train.warmupIters, warmupRatio: Float(train.warmupRatio),
                              steps: train.lrSteps, gamma: Float(train.lrGamma))
        if let path = config.checkpoint {
            let file = try Checkpoint.weightsFile(path, network: id, key: "network_\(id.rawValue).checkpoint", onlyFileOfAnyNetwork: true)
            let (tensors, _) = try SafeTensors.read(file)
            try network.store.load(tensors, file: file.path)
        }
        if let path = config.backboneWeights {
            let (tensors, _) = try SafeTensors.read(URL(fileURLWithPath: path))
            let n = try ResNetWeights.load(tensors, into: network.store, file: path)
            initialisation = "network \(id.rawValue): backbone \(config.backbone.rawValue) from \(path) (torchvision layout, \(n) tensors)"
        }
        if let path = config.initFrom {
            let (tensors, _) = try SafeTensors.read(URL(fileURLWithPath: path))
            let s = try TorchWeights.load(tensors, into: network.store, prefixes: config.initPrefixes, file: path)
            let under = config.initPrefixes.isEmpty ? "" : " under \(config.initPrefixes.joined(separator: ", "))"
            let line = "network \(id.rawValue): \(s.loaded) tensors\(under) from \(path) (PyTorch layout), "
                + "\(s.kept) keep colad's initialisation, \(s.ignored) of the file's tensors not read"
            // After backbone_weights, both are said (init_from may set parts of the backbone again).
            initialisation = [initialisation, line].compactMap { $0 }.joined(separator: "; ")
        }
    }

    /// Forward pass on this iteration's images (inference behaviour when frozen).
    public func forward(_ images: Tensor) {
        outputs = network.forward(images, training: !frozen)
    }

    public func predictions(image b: Int, layout: AnchorLayout) -> ImagePredictions {
        guard let outputs else { preconditionFailure("NetworkWorker(\(id)).predictions before forward") }
        return ImagePredictions(outputs, layout: layout, image: b)
    }

    /// Anchor costs of every candidate of every image, from this network's predictions.
    public func costs(_ pre: [Preassignment], assigner: PAAAssigner, layout: AnchorLayout) -> [[Float]] {
        var out = [[Float]](repeating: [], count: pre.count)
        out.withUnsafeMutableBufferPointer { buf in
            Parallel.forEach(pre.count) { b in buf[b] = assigner.anchorCosts(pre[b], predictions: predictions(image: b, layout: layout)) }
        }
        return out
    }

    /// Backward of the loss's head-output gradients into a zeroed gradient buffer.
    public func backward(_ gradients: HeadOutputs) {
        precondition(!frozen && outputs != nil, "NetworkWorker(\(id)).backward on a frozen network or before forward")
        network.store.zeroGrads()
        network.backward(gradients)
    }

    /// One optimizer step at `iteration`'s learning rate; returns that rate.
    @discardableResult
    public func step(iteration: Int) -> Float {
        guard let optimizer else { return 0 }
        let lr = schedule.lr(at: iteration)
        optimizer.step(lr: lr)
        return lr
    }

    /// Drops the outputs of this iteration.
    public func finishIteration() { outputs = nil }
}
