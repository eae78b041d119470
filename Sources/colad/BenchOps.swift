import ArgumentParser
import Engine
import Foundation
import Models

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (speed targets are measured here, never in unit tests).",
        subcommands: [BenchOps.self])
}

/// Median wall time in seconds of `body` over `repeats` runs after `warmup` runs.
func medianSeconds(repeats: Int, warmup: Int = 1, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<max(repeats, 1) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    times.sort()
    return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
}

struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "sgemm, conv forward/backward, GroupNorm and whole-network forward+backward (tiny, small).",
        discussion: """
        All figures are medians over --repeats runs in one process, so ratios compare like with like.
        sgemm_gflops is raw cblas_sgemm over the GEMM shapes the `small` preset's convolutions issue
        at batch 8, 128×128 (total FLOPs / total median time). train_gflops counts the GEMM FLOPs of a
        forward+backward; ratio_to_sgemm = train_gflops / sgemm_gflops.
        """)

    @Option(help: "Timed runs per measurement (median reported).") var repeats = 7
    @Option(help: "Batch size.") var batch = 8
    @Option(help: "Image side.") var size = 128
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(help: "Only time this preset's forward+backward (for profiling); skips the other measurements.") var profilePreset: String?

    func run() throws {
        let classes = 6
        if let name = profilePreset {
            guard let cfg = ModelConfig.preset(name, numClasses: classes) else { throw ValidationError("unknown preset \(name)") }
            let net = DetectorNetwork(config: cfg, seed: 3)
            let images = randomTensor([batch, size, size, 3], seed: 1)
            let t = medianSeconds(repeats: repeats) { trainStep(net, images) }
            print(String(format: "%@ fwd+bwd %.1f ms", name, t * 1e3))
            return
        }
        // GEMM shapes (M = positions, N = out channels, K = patch) of the small preset's 3×3 convs.
        let b = batch, s = size
        let shapes: [(String, Int, Int, Int)] = [
            ("stem 3x3/2", b * (s / 2) * (s / 2), 32, 27),
            ("layer1 3x3", b * (s / 4) * (s / 4), 32, 288),
            ("layer2 3x3", b * (s / 8) * (s / 8), 64, 576),
            ("layer3 3x3", b * (s / 16) * (s / 16), 128, 1152),
            ("layer4 3x3", b * (s / 32) * (s / 32), 256, 2304),
            ("head P3 3x3", b * (s / 8) * (s / 8), 64, 576),
        ]
        var sgemmFlops = 0.0, sgemmTime = 0.0
        var perShape: [[String: Any]] = []
        for (name, m, n, k) in shapes {
            let a = [Float](repeating: 0.5, count: m * k), w = [Float](repeating: 0.25, count: n * k)
            var c = [Float](repeating: 0, count: m * n)
            let t = medianSeconds(repeats: repeats) {
                a.withUnsafeBufferPointer { pa in w.withUnsafeBufferPointer { pw in c.withUnsafeMutableBufferPointer { pc in
                    sgemm(transB: true, m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pw.baseAddress!, ldb: k,
                          c: pc.baseAddress!, ldc: n)
                } } }
            }
            let f = 2.0 * Double(m * n * k)
            sgemmFlops += f; sgemmTime += t
            perShape.append(["shape": name, "m": m, "n": n, "k": k, "gflops": f / t / 1e9])
        }
        let sgemmGF = sgemmFlops / sgemmTime / 1e9

        // Conv forward / backward over the same layer shapes (3×3, stride 1 except the stem).
        let store = ParameterStore(seed: 1)
        var rng = SplitMix64(seed: 7)
        let convs: [(Conv2D, [Int])] = [
            (Conv2D(store, name: "stem", inChannels: 3, outChannels: 32, kernel: 3, stride: 2, padding: 1), [b, s, s, 3]),
            (Conv2D(store, name: "l1", inChannels: 32, outChannels: 32, kernel: 3, padding: 1), [b, s / 4, s / 4, 32]),
            (Conv2D(store, name: "l2", inChannels: 64, outChannels: 64, kernel: 3, padding: 1), [b, s / 8, s / 8, 64]),
            (Conv2D(store, name: "l3", inChannels: 128, outChannels: 128, kernel: 3, padding: 1), [b, s / 16, s / 16, 128]),
            (Conv2D(store, name: "l4", inChannels: 256, outChannels: 256, kernel: 3, padding: 1), [b, s / 32, s / 32, 256]),
        ]
        let inputs = convs.map { _, shape in Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextNormal()) }) }
        var fwdFlops = 0.0, fwdTime = 0.0, bwdFlops = 0.0, bwdTime = 0.0
        for ((conv, _), x) in zip(convs, inputs) {
            FlopCounter.gemm = 0
            let y = conv.forward(x)
            let ff = Double(FlopCounter.gemm)
            fwdFlops += ff
            fwdTime += medianSeconds(repeats: repeats) { _ = conv.forward(x) }
            let dy = Tensor(shape: y.shape, repeating: 0.01)
            FlopCounter.gemm = 0
            _ = conv.forward(x); conv.backward(dy)
            let bf = Double(FlopCounter.gemm)
            bwdFlops += bf
            // Time backward alone: forward (saves cols) outside the timed region.
            var times: [Double] = []
            for _ in 0..<max(repeats, 1) {
                _ = conv.forward(x)
                let t0 = DispatchTime.now().uptimeNanoseconds
                conv.backward(dy)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            times.sort()
            bwdTime += times[times.count / 2]
        }

        // GroupNorm forward+backward on a layer1-sized tensor.
        let gnStore = ParameterStore(seed: 2)
        let gn = GroupNorm(gnStore, name: "gn", channels: 64, groups: 8)
        let gx = Tensor(shape: [b, s / 4, s / 4, 64], data: (0..<(b * s * s * 4)).map { _ in Float(rng.nextNormal()) })
        let gnFwd = medianSeconds(repeats: repeats) { _ = gn.forward(gx, training: false) }
        let gnBoth = medianSeconds(repeats: repeats) { let y = gn.forward(gx); _ = gn.backward(y) }

        var result: [String: Any] = [
            "threads": blasThreads, "batch": b, "image_size": s, "repeats": repeats,
            "sgemm_gflops": sgemmGF, "sgemm_shapes": perShape,
            "conv_fwd_gflops": fwdFlops / fwdTime / 1e9, "conv_bwd_gflops": bwdFlops / bwdTime / 1e9,
            "conv_fwd_ratio": fwdFlops / fwdTime / 1e9 / sgemmGF, "conv_bwd_ratio": bwdFlops / bwdTime / 1e9 / sgemmGF,
            "groupnorm_shape": gx.shape, "groupnorm_fwd_ms": gnFwd * 1e3, "groupnorm_fwd_bwd_ms": gnBoth * 1e3,
        ]
        for preset in ["tiny", "small"] {
            let net = DetectorNetwork(config: ModelConfig.preset(preset, numClasses: classes)!, seed: 3)
            let images = Tensor(shape: [b, s, s, 3], data: (0..<(b * s * s * 3)).map { _ in Float(rng.nextNormal()) })
            func step() { trainStep(net, images) }
            FlopCounter.gemm = 0
            step()
            let flops = Double(FlopCounter.gemm)
            let t = medianSeconds(repeats: repeats) { step() }
            let fwd = medianSeconds(repeats: repeats) { _ = net.forward(images, training: false) }
            // Share of the step spent inside sgemm (the rest: im2col/col2im, GroupNorm, ReLU, adds, allocation).
            FlopCounter.timing = true; FlopCounter.gemmNanos = 0
            let t1 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<3 { step() }
            let inGemm = Double(FlopCounter.gemmNanos) / Double(DispatchTime.now().uptimeNanoseconds - t1)
            FlopCounter.timing = false
            result[preset] = ["train_step_ms": t * 1e3, "train_gflops": flops / t / 1e9, "gflop_per_step": flops / 1e9,
                              "ratio_to_sgemm": flops / t / 1e9 / sgemmGF, "forward_ms": fwd * 1e3, "gemm_time_share": inGemm,
                              "parameters": net.parameterCount]
        }
        if json { printJSON(result); return }
        print(String(format: "threads %d, batch %d, %d×%d, medians of %d runs", blasThreads, b, s, s, repeats))
        print(String(format: "sgemm (small's conv shapes)   %7.2f GFLOP/s", sgemmGF))
        for p in perShape { print(String(format: "  %-14@ %6d×%4d×%5d %7.2f GFLOP/s", p["shape"] as! String, p["m"] as! Int, p["n"] as! Int, p["k"] as! Int, p["gflops"] as! Double)) }
        print(String(format: "conv forward                  %7.2f GFLOP/s  (%.0f%% of sgemm)", result["conv_fwd_gflops"] as! Double, 100 * (result["conv_fwd_ratio"] as! Double)))
        print(String(format: "conv backward (data+weights)  %7.2f GFLOP/s  (%.0f%% of sgemm)", result["conv_bwd_gflops"] as! Double, 100 * (result["conv_bwd_ratio"] as! Double)))
        print(String(format: "groupnorm %@  fwd %.2f ms, fwd+bwd %.2f ms", "\(gx.shape)", gnFwd * 1e3, gnBoth * 1e3))
        for preset in ["tiny", "small"] {
            let r = result[preset] as! [String: Any]
            print(String(format: "%-5@ fwd+bwd %8.1f ms  %6.2f GFLOP/s  (%.0f%% of sgemm, %.0f%% of time in sgemm)  fwd %.1f ms  %.2f GFLOP/step  %d params",
                         preset, r["train_step_ms"] as! Double, r["train_gflops"] as! Double, 100 * (r["ratio_to_sgemm"] as! Double),
                         100 * (r["gemm_time_share"] as! Double),
                         r["forward_ms"] as! Double, r["gflop_per_step"] as! Double, r["parameters"] as! Int))
        }
    }
}

/// One forward+backward with a constant upstream gradient (the benchmark workload).
func trainStep(_ net: DetectorNetwork, _ images: Tensor) {
    let out = net.forward(images)
    let g = HeadOutputs(cls: out.cls.map { Tensor(shape: $0.shape, repeating: 1e-3) },
                        reg: out.reg.map { Tensor(shape: $0.shape, repeating: 1e-3) },
                        iou: out.iou.map { Tensor(shape: $0.shape, repeating: 1e-3) })
    net.backward(g)
}

func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SplitMix64(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextNormal()) })
}
