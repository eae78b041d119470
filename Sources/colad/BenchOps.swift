import ArgumentParser
import Config
import Engine
import Foundation
import Models
import Training

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (speed targets are measured here, never in unit tests).",
        subcommands: [BenchOps.self, BenchNetwork.self, BenchComm.self, BenchMonitor.self])
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func median(_ v: [Double]) -> Double { SampleStatistics.median(v) }

/// Median wall time in seconds of `body` over `repeats` runs after `warmup` runs.
func medianSeconds(repeats: Int, warmup: Int = 1, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    return median((0..<max(repeats, 1)).map { _ in let t0 = now(); body(); return Double(now() - t0) / 1e9 })
}

/// Replays a list of GEMM shapes on fresh buffers: what OpenBLAS alone achieves on exactly
/// the GEMMs a network issues.
final class GemmReplay {
    let shapes: [GemmShape]
    let a: [Float], b: [Float]
    var c: [Float]
    init(_ shapes: [GemmShape]) {
        self.shapes = shapes
        let maxA = shapes.map { $0.m * $0.k }.max() ?? 0, maxB = shapes.map { $0.n * $0.k }.max() ?? 0
        let maxC = shapes.map { $0.m * $0.n }.max() ?? 0
        a = (0..<maxA).map { Float($0 % 7) * 0.1 }; b = (0..<maxB).map { Float($0 % 5) * 0.1 }
        c = [Float](repeating: 0, count: maxC)
    }
    var flops: Double { shapes.reduce(0) { $0 + $1.flops } }
    /// Runs the GEMMs with OpenBLAS's own threading (`Parallel.threads` threads): the
    /// reference a whole step is compared with.
    func run() {
        GemmThreading.split = false
        setBlasThreads(Parallel.threads)
        defer { setBlasThreads(1); GemmThreading.split = true }
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            for s in shapes {
                sgemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: pa.baseAddress!, lda: s.transA ? s.m : s.k,
                      b: pb.baseAddress!, ldb: s.transB ? s.k : s.n, beta: s.beta, c: pc.baseAddress!, ldc: s.n)
            }
        } } }
    }
}

struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "sgemm, conv forward/backward, GroupNorm and whole-network forward+backward (tiny, small).",
        discussion: """
        Every figure is a median over --repeats rounds. The machine is noisy, so each round times the \
        raw-sgemm reference and the network step back to back, and ratio_to_sgemm is the median of the \
        per-round ratios. The reference replays, with cblas_sgemm alone, exactly the GEMM calls (same \
        shapes and transposes) that one forward+backward of that preset issues; sgemm_gflops is that \
        figure for `small`, run with OpenBLAS's own threading. (colad itself runs OpenBLAS single-threaded \
        and splits GEMMs across its worker threads; see Sources/Engine/Gemm.swift.) train_gflops counts \
        the GEMM FLOPs of a forward+backward. Threads: COLAD_THREADS, else OPENBLAS_NUM_THREADS, else cores. \
        conv_fwd/conv_bwd: 3×3 convolutions at the small preset's stage shapes (im2col + sgemm); conv3x3s1_*: \
        the stride-1 ones by im2col and by Winograd F(2×2,3×3) and F(4×4,3×3) (Engine/Winograd.swift), each tiling on \
        every layer, alternating, ratio im2col ÷ Winograd.
        """)

    @Option(help: "Timed rounds per measurement (medians reported).") var repeats = 9
    @Option(help: "Batch size.") var batch = 8
    @Option(help: "Image side.") var size = 128
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(help: "Only time this preset's forward+backward (for profiling); skips everything else.") var profilePreset: String?
    @Option(help: "With --profile-preset: how the 3×3 stride-1 convolutions compute (im2col, winograd or winograd4x4, as network_*.conv3x3); a comma-separated list times each in turn, step by step in one process, and prints the median of the per-round ratios to the first.")
    var conv3x3 = "im2col"
    @Option(help: "Train each preset (tiny, then small) for N iterations in this process first and report the peak resident memory after each (0: skip).")
    var memoryIterations = 20

    func run() throws {
        let classes = 6, b = batch, s = size
        if let name = profilePreset {
            guard let n = NetworkConfig.preset(name) else { throw ValidationError("unknown preset \(name)") }
            let algorithms = try conv3x3.split(separator: ",").map { word in
                guard let a = ConvAlgorithm(rawValue: String(word)) else {
                    throw ValidationError("--conv3x3: expected im2col, winograd or winograd4x4 (or a comma-separated list), got '\(word)'")
                }
                return a
            }
            guard !algorithms.isEmpty else { throw ValidationError("--conv3x3: empty") }
            let nets = algorithms.map { a -> DetectorNetwork in
                var cfg = ModelConfig(n, numClasses: classes)
                cfg.conv3x3 = a
                return DetectorNetwork(config: cfg, seed: 3)
            }
            let images = randomTensor([b, s, s, 3], seed: 1)
            // Alternating step by step: every round times each algorithm once, back to back, so a
            // slow spell of the machine falls on all of them; ratios are per round.
            for net in nets { trainStep(net, images) }   // warm-up
            var seconds = [[Double]](repeating: [], count: nets.count)
            for _ in 0..<max(repeats, 1) {
                for (i, net) in nets.enumerated() { let t0 = now(); trainStep(net, images); seconds[i].append(Double(now() - t0) / 1e9) }
            }
            if nets.count == 1 { print(String(format: "%@ fwd+bwd %.1f ms", name, median(seconds[0]) * 1e3)); return }
            for (i, a) in algorithms.enumerated() {
                let ratio = median(zip(seconds[0], seconds[i]).map { $0 / $1 })
                print(String(format: "%@ fwd+bwd %@ %.1f ms  (%@ ÷ %@ per round, median: ×%.3f)", name, a.rawValue,
                             median(seconds[i]) * 1e3, algorithms[0].rawValue, a.rawValue, ratio))
            }
            return
        }
        var result: [String: Any] = ["threads": Parallel.threads, "blas_kernels": BLASKernels.current, "batch": b,
                                     "image_size": s, "repeats": repeats]
        // Peak RSS of training, before anything else is allocated: tiny first, so the peak after
        // it is tiny's and the peak after small (the larger) is small's.
        if memoryIterations > 0 {
            for preset in ["tiny", "small"] {
                var c = TrainingConfig(name: "bench-memory-\(preset)", mode: .baseline, networkA: NetworkConfig.preset(preset)!,
                                       networkB: nil, iterations: memoryIterations, seed: 0)
                c.train.batchSize = b; c.data.imageSize = s
                c.train.evalEvery = nil; c.train.checkpointEvery = nil; c.train.logEvery = 1_000_000
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("colad-bench-memory-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: dir) }
                try Trainer(config: c, workDir: dir, log: { _ in }).run(resume: false)
                result["peak_rss_mb_\(preset)"] = Double(ProcessMemory.peakResidentBytes()) / 1_048_576
            }
        }

        // Conv forward / backward at the small preset's stage shapes, each against the replay of its own GEMMs.
        let store = ParameterStore(seed: 1)
        let convs: [(Conv2D, [Int])] = [
            (Conv2D(store, name: "stem", inChannels: 3, outChannels: 32, kernel: 3, stride: 2, padding: 1), [b, s, s, 3]),
            (Conv2D(store, name: "l1", inChannels: 32, outChannels: 32, kernel: 3, padding: 1), [b, s / 4, s / 4, 32]),
            (Conv2D(store, name: "l2", inChannels: 64, outChannels: 64, kernel: 3, padding: 1), [b, s / 8, s / 8, 64]),
            (Conv2D(store, name: "l3", inChannels: 128, outChannels: 128, kernel: 3, padding: 1), [b, s / 16, s / 16, 128]),
            (Conv2D(store, name: "l4", inChannels: 256, outChannels: 256, kernel: 3, padding: 1), [b, s / 32, s / 32, 256]),
        ]
        let inputs = convs.enumerated().map { i, c in randomTensor(c.1, seed: UInt64(10 + i)) }
        let dys = zip(convs, inputs).map { c, x in Tensor(shape: c.0.forward(x, training: false).shape, repeating: 0.01) }
        func record(_ body: () -> Void) -> GemmReplay {
            FlopCounter.shapes = []; FlopCounter.recording = true; body(); FlopCounter.recording = false
            return GemmReplay(FlopCounter.shapes)
        }
        let fwdReplay = record { for (c, x) in zip(convs, inputs) { _ = c.0.forward(x) } }
        let bwdReplay = record { for (c, dy) in zip(convs, dys) { c.0.backward(dy) } }
        var fwdT: [Double] = [], bwdT: [Double] = [], fwdRef: [Double] = [], bwdRef: [Double] = []
        for _ in 0..<repeats {
            var t0 = now(); for (c, x) in zip(convs, inputs) { _ = c.0.forward(x) }; fwdT.append(Double(now() - t0) / 1e9)
            var tb = 0.0
            for ((c, _), (x, dy)) in zip(convs, zip(inputs, dys)) {
                _ = c.forward(x) // saves im2col columns; not timed
                t0 = now(); c.backward(dy); tb += Double(now() - t0) / 1e9
            }
            bwdT.append(tb)
            t0 = now(); fwdReplay.run(); fwdRef.append(Double(now() - t0) / 1e9)
            t0 = now(); bwdReplay.run(); bwdRef.append(Double(now() - t0) / 1e9)
        }
        let convFwd = fwdReplay.flops / median(fwdT) / 1e9, convBwd = bwdReplay.flops / median(bwdT) / 1e9
        result["conv_fwd_gflops"] = convFwd
        result["conv_bwd_gflops"] = convBwd
        result["conv_fwd_sgemm_gflops"] = fwdReplay.flops / median(fwdRef) / 1e9
        result["conv_bwd_sgemm_gflops"] = bwdReplay.flops / median(bwdRef) / 1e9

        // Winograd F(2×2, 3×3) and F(4×4, 3×3) against im2col on the stride-1 3×3 convolutions
        // above (the same weights and inputs; each tiling on every layer), alternating in every
        // round; ratios are medians of per-round ratios.
        let stride1 = zip(convs, zip(inputs, dys)).filter { $0.0.0.geometry.kernel == 3 && $0.0.0.geometry.stride == 1 }
        let forms: [(key: String, tiling: WinogradTiling)] = [("winograd", .f2x2), ("winograd4x4", .f4x4)]
        let winograds = forms.map { form in stride1.map { WinogradConv3x3(sharing: $0.0.0, tiling: form.tiling) } }
        var im2colF: [Double] = [], im2colB: [Double] = []
        var winoF = [[Double]](repeating: [], count: forms.count), winoB = winoF, ratioF = winoF, ratioB = winoF
        for _ in 0..<repeats {
            var f = 0.0, b = 0.0
            var wf = [Double](repeating: 0, count: forms.count), wb = wf
            for (i, (c, (x, dy))) in stride1.enumerated() {
                var t0 = now(); _ = c.0.forward(x); f += Double(now() - t0) / 1e9
                t0 = now(); c.0.backward(dy); b += Double(now() - t0) / 1e9
                for k in forms.indices {
                    t0 = now(); _ = winograds[k][i].forward(x); wf[k] += Double(now() - t0) / 1e9
                    t0 = now(); winograds[k][i].backward(dy); wb[k] += Double(now() - t0) / 1e9
                }
            }
            im2colF.append(f); im2colB.append(b)
            for k in forms.indices { winoF[k].append(wf[k]); winoB[k].append(wb[k]); ratioF[k].append(f / wf[k]); ratioB[k].append(b / wb[k]) }
        }
        result["conv3x3s1_im2col_fwd_ms"] = median(im2colF) * 1e3
        result["conv3x3s1_im2col_bwd_ms"] = median(im2colB) * 1e3
        for (k, form) in forms.enumerated() {
            result["conv3x3s1_\(form.key)_fwd_ms"] = median(winoF[k]) * 1e3
            result["conv3x3s1_\(form.key)_bwd_ms"] = median(winoB[k]) * 1e3
            result["conv3x3s1_\(form.key)_speedup_fwd"] = median(ratioF[k])
            result["conv3x3s1_\(form.key)_speedup_bwd"] = median(ratioB[k])
        }

        // GroupNorm forward and forward+backward on a layer1-sized tensor.
        let gn = GroupNorm(ParameterStore(seed: 2), name: "gn", channels: 64, groups: 8)
        let gx = randomTensor([b, s / 4, s / 4, 64], seed: 3)
        result["groupnorm_shape"] = gx.shape
        result["groupnorm_fwd_ms"] = medianSeconds(repeats: repeats) { _ = gn.forward(gx, training: false) } * 1e3
        result["groupnorm_fwd_bwd_ms"] = medianSeconds(repeats: repeats) { let y = gn.forward(gx); _ = gn.backward(y) } * 1e3

        // Whole network: step and its GEMM replay, back to back in every round.
        for preset in ["tiny", "small"] {
            let net = DetectorNetwork(config: ModelConfig(NetworkConfig.preset(preset)!, numClasses: classes), seed: 3)
            let images = randomTensor([b, s, s, 3], seed: 4)
            trainStep(net, images) // warm-up
            let replay = record { trainStep(net, images) }
            replay.run()
            var stepT: [Double] = [], refT: [Double] = [], ratios: [Double] = [], gemmShare: [Double] = []
            for _ in 0..<repeats {
                FlopCounter.timing = true; FlopCounter.gemmNanos = 0
                var t0 = now(); trainStep(net, images); let st = Double(now() - t0) / 1e9
                FlopCounter.timing = false
                gemmShare.append(Double(FlopCounter.gemmNanos) / 1e9 / st)
                t0 = now(); replay.run(); let rt = Double(now() - t0) / 1e9
                stepT.append(st); refT.append(rt); ratios.append(rt / st)
            }
            let fwd = medianSeconds(repeats: repeats) { _ = net.forward(images, training: false) }
            result[preset] = ["train_step_ms": median(stepT) * 1e3, "train_gflops": replay.flops / median(stepT) / 1e9,
                              "sgemm_gflops": replay.flops / median(refT) / 1e9, "ratio_to_sgemm": median(ratios),
                              "gemm_time_share": median(gemmShare), "forward_ms": fwd * 1e3,
                              "gflop_per_step": replay.flops / 1e9, "gemm_calls": replay.shapes.count,
                              "parameters": net.parameterCount]
        }
        let small = result["small"] as! [String: Any]
        result["sgemm_gflops"] = small["sgemm_gflops"]
        if json { printJSON(result); return }
        print(String(format: "threads %d, batch %d, %d×%d, medians of %d rounds; ", Parallel.threads, b, s, s, repeats) + BLASKernels.summary)
        if let tiny = result["peak_rss_mb_tiny"] as? Double, let small = result["peak_rss_mb_small"] as? Double {
            print(String(format: "training peak RSS (this process, %d iterations each on the built-in data): tiny %.0f MiB, small %.0f MiB",
                         memoryIterations, tiny, small))
        }
        print(String(format: "conv forward           %7.2f GFLOP/s   raw sgemm on the same GEMMs %7.2f", convFwd, result["conv_fwd_sgemm_gflops"] as! Double))
        print(String(format: "conv backward (dx+dW)  %7.2f GFLOP/s   raw sgemm on the same GEMMs %7.2f", convBwd, result["conv_bwd_sgemm_gflops"] as! Double))
        print(String(format: "conv 3×3/1 (%d layers, %@)  fwd im2col %.2f ms, bwd (dx+dW) %.2f ms",
                     stride1.count, stride1.map { "\($0.1.0.h)×\($0.1.0.w)" }.joined(separator: " "),
                     result["conv3x3s1_im2col_fwd_ms"] as! Double, result["conv3x3s1_im2col_bwd_ms"] as! Double))
        for form in forms {
            let r = { (k: String) in result["conv3x3s1_\(form.key)_\(k)"] as! Double }
            print(String(format: "  Winograd F(%d×%d,3×3)    fwd %.2f ms (im2col ÷ it ×%.2f), bwd %.2f ms (×%.2f)", form.tiling.m, form.tiling.m,
                         r("fwd_ms"), r("speedup_fwd"), r("bwd_ms"), r("speedup_bwd")))
        }
        print(String(format: "groupnorm %@  fwd %.2f ms, fwd+bwd %.2f ms", "\(gx.shape)", result["groupnorm_fwd_ms"] as! Double, result["groupnorm_fwd_bwd_ms"] as! Double))
        for preset in ["tiny", "small"] {
            let r = result[preset] as! [String: Any]
            print(String(format: "%-5@ fwd+bwd %7.1f ms  %6.2f GFLOP/s  raw sgemm %6.2f GFLOP/s  ratio %.0f%%  (%.0f%% of the step in sgemm; fwd %.1f ms; %.2f GFLOP/step)",
                         preset, r["train_step_ms"] as! Double, r["train_gflops"] as! Double, r["sgemm_gflops"] as! Double,
                         100 * (r["ratio_to_sgemm"] as! Double), 100 * (r["gemm_time_share"] as! Double), r["forward_ms"] as! Double,
                         r["gflop_per_step"] as! Double))
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
