// What a network's training step costs, for the thread plan (ThreadBalance): the GEMM FLOPs of
// one image, counted by running the network once on a blank image (Engine's FlopCounter), so
// the count follows the architecture exactly. GEMMs are most of a step (colad bench ops);
// GroupNorm, activations, data and assignment are left out. Backward costs about twice the
// forward (input and weight gradients), so a trained network's image costs 3 forwards and a
// frozen teacher's 1.
import Config
import Engine
import Foundation
import Models

public enum StepCost {
    /// GEMM FLOPs of one image's forward pass of `network` at `imageSize`.
    public static func forwardFlops(_ network: NetworkConfig, imageSize: Int, numClasses: Int) -> Double {
        let net = DetectorNetwork(config: ModelConfig(network, numClasses: numClasses), seed: 1)
        let before = FlopCounter.gemm
        _ = net.forward(Tensor(shape: [1, imageSize, imageSize, 3], data: [Float](repeating: 0, count: imageSize * imageSize * 3)), training: false)
        return Double(FlopCounter.gemm &- before)
    }

    /// Core-seconds-like work of one rank's iteration for each network of the plan (units:
    /// FLOPs; only ratios matter): images per rank × per-image cost × (3 trained, 1 frozen).
    public static func work(_ config: TrainingConfig, plan: ModePlan, numClasses: Int) -> [NetworkID: Double] {
        var out: [NetworkID: Double] = [:]
        for id in plan.networks {
            let f = forwardFlops(config.network(id)!, imageSize: config.data.imageSize, numClasses: numClasses)
            out[id] = f * Double(config.train.batchSize) * (plan.role(id).trained ? 3 : 1)
        }
        return out
    }
}
