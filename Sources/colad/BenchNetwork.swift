// `colad bench network`: the forward+backward cost of one configured network at a given input
// size, per image, and the process's peak resident memory — the planning numbers for the
// paper's detectors (README "The paper's detectors"). The workload is the network alone with a
// constant upstream gradient (`trainStep`); a training step adds the PAA assignment and losses
// (small at COCO's few objects per image next to a ResNet-50 at 1344×800) and the optimizer.
import ArgumentParser
import Config
import Engine
import Foundation
import Models
import Training

struct BenchNetwork: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Forward+backward seconds per image of a configured network at a given size, and peak RSS.",
        discussion: """
        Threads: COLAD_THREADS, else OPENBLAS_NUM_THREADS, else cores. Every figure is a median over \
        --repeats rounds after one warm-up; peak RSS is this process's high-water mark after the last \
        round (network, activations saved for backward, gradients; no optimizer state, no data).
        """)

    @Option(help: "Training config whose network to build.") var config: String
    @Option(name: .customLong("set"), help: "Override a config key (KEY=VALUE; repeatable).") var sets: [String] = []
    @Option(help: "Which network of the config: a or b.") var network = "a"
    @Option(help: "Object classes (the head's output channels); COCO has 80.") var classes = 80
    @Option(help: "Input height (a multiple of 32).") var height = 800
    @Option(help: "Input width (a multiple of 32).") var width = 1344
    @Option(help: "Images per step.") var batch = 1
    @Option(help: "Timed rounds.") var repeats = 3
    @Flag(help: "Print one JSON object instead of a line.") var json = false

    func run() throws {
        do {
            let cfg = try TrainingConfig.load(file: config, overrides: sets)
            guard let id = NetworkID(rawValue: network), let n = cfg.network(id) else {
                throw ValidationError("--network \(network): the config has no network \(network)")
            }
            guard height % 32 == 0, width % 32 == 0, height > 0, width > 0 else {
                throw ValidationError("--height \(height) --width \(width): both must be positive multiples of 32")
            }
            let net = DetectorNetwork(config: ModelConfig(n, numClasses: classes), seed: 3)
            let images = randomTensor([batch, height, width, 3], seed: 4)
            var flop = 0.0
            FlopCounter.shapes = []; FlopCounter.recording = true
            trainStep(net, images)
            FlopCounter.recording = false
            flop = FlopCounter.shapes.reduce(0) { $0 + $1.flops }
            let step = medianSeconds(repeats: repeats, warmup: 0) { trainStep(net, images) }
            let fwd = medianSeconds(repeats: repeats, warmup: 0) { _ = net.forward(images, training: false) }
            let rss = Double(ProcessMemory.peakResidentBytes()) / 1_048_576
            let r: [String: Any] = ["network": n.label, "architecture": n.architecture, "threads": Parallel.threads,
                                    "blas_kernels": BLASKernels.current, "batch": batch, "height": height, "width": width,
                                    "seconds_per_image": step / Double(batch), "forward_seconds_per_image": fwd / Double(batch),
                                    "gflop_per_image": flop / 1e9 / Double(batch), "gflops": flop / step / 1e9,
                                    "peak_rss_mb": rss, "parameters": net.parameterCount, "repeats": repeats]
            if json { printJSON(r); return }
            print(String(format: "%@ %d×%d, batch %d, %d thread(s), %@: fwd+bwd %.2f s/image (%.1f GFLOP/image, %.1f GFLOP/s), forward %.2f s/image, peak RSS %.0f MiB (%d parameters; median of %d)",
                         n.label, width, height, batch, Parallel.threads, BLASKernels.current, step / Double(batch), flop / 1e9 / Double(batch),
                         flop / step / 1e9, fwd / Double(batch), rss, net.parameterCount, repeats))
        } catch let e as ValidationError { throw e } catch { fail(error) }
    }
}
