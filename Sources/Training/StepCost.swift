// What a network's training step costs, for the thread plan (ThreadBalance). Two measures:
// - `measure`: seconds of one rank's forward (+ backward when trained) on its batch at one
//   thread, timed on this machine (the plan's input: what the cores actually spend);
// - `forwardFlops`: GEMM FLOPs of one image's forward, counted by running the network once
//   (Engine's FlopCounter) — exact for the architecture, but it overstates the dearer network:
//   measured on this VM, small/tiny is 2.5× in FLOPs and 1.6-1.7× in seconds (bigger GEMMs run
//   faster per FLOP; GroupNorm and pointwise passes weigh more in the small network). Kept for
//   the record and the tests of the cost's scaling.
import Config
import Engine
import Foundation
import Models

public enum StepCost {
    /// GEMM FLOPs of one image's forward pass of `network` on an `imageSize`² input.
    public static func forwardFlops(_ network: NetworkConfig, imageSize: Int, numClasses: Int) -> Double {
        forwardFlops(network, height: imageSize, width: imageSize, numClasses: numClasses)
    }

    /// GEMM FLOPs of one image's forward pass of `network` on a `height × width` input.
    public static func forwardFlops(_ network: NetworkConfig, height: Int, width: Int, numClasses: Int) -> Double {
        let net = DetectorNetwork(config: ModelConfig(network, numClasses: numClasses), seed: 1)
        let before = FlopCounter.gemm
        _ = net.forward(Tensor(shape: [1, height, width, 3], repeating: 0), training: false)
        return Double(FlopCounter.gemm &- before)
    }

    /// Seconds of one rank's iteration work for each network of the plan at one thread: the
    /// least of `repeats` timed forward (+ backward when trained) passes on a blank batch, after
    /// one untimed pass. Runs with one thread and restores the thread count. Above
    /// `measuredSide` pixels (the paper's 1344 px images) it times at most 2 images of that side
    /// and scales by images × area: start-up stays seconds, not the minutes a full batch of
    /// ResNet-50 at 1344 px takes on one thread; the plan only needs the networks' ratio.
    public static func measure(_ config: TrainingConfig, plan: ModePlan, numClasses: Int, repeats: Int = 2,
                               measuredSide: Int = 256) -> [NetworkID: Double] {
        let saved = Parallel.threads
        Parallel.threads = 1
        defer { Parallel.threads = saved }
        var out: [NetworkID: Double] = [:]
        let canvas = config.data.nominalCanvas, batch = config.train.batchSize
        let (h, w, n) = max(canvas.height, canvas.width) > measuredSide
            ? (measuredSide, measuredSide, min(batch, 2)) : (canvas.height, canvas.width, batch)
        let scale = Double(batch) / Double(n) * Double(canvas.height * canvas.width) / Double(h * w)
        let images = Tensor(shape: [n, h, w, 3], repeating: 0)
        for id in plan.networks {
            let net = DetectorNetwork(config: ModelConfig(config.network(id)!, numClasses: numClasses), seed: 1)
            let trained = plan.role(id).trained
            var best = Double.infinity
            for r in 0...repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let y = net.forward(images, training: trained)
                if trained {
                    net.backward(HeadOutputs(cls: y.cls.map { Tensor(shape: $0.shape, repeating: 0) }, reg: y.reg.map { Tensor(shape: $0.shape, repeating: 0) },
                                             iou: y.iou.map { Tensor(shape: $0.shape, repeating: 0) }))
                }
                if r > 0 { best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
            }
            out[id] = best * scale
        }
        return out
    }

    /// FLOP-based work of one rank's iteration for each network of the plan (units: FLOPs; only
    /// ratios matter): images per rank × per-image cost × (3 trained, 1 frozen).
    public static func work(_ config: TrainingConfig, plan: ModePlan, numClasses: Int) -> [NetworkID: Double] {
        var out: [NetworkID: Double] = [:]
        for id in plan.networks {
            let canvas = config.data.nominalCanvas
            let f = forwardFlops(config.network(id)!, height: canvas.height, width: canvas.width, numClasses: numClasses)
            out[id] = f * Double(config.train.batchSize) * (plan.role(id).trained ? 3 : 1)
        }
        return out
    }
}
