import ArgumentParser
import Comm
import Engine
import Foundation
import Models

struct Diag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the native runtime (MPI, OpenBLAS) on this machine or under mpirun.",
        subcommands: [DiagMPI.self, DiagBLAS.self, DiagBackbone.self])
}

/// Each rank fills a buffer with (rank+1)·(i+1), all-reduces it in the world and in two
/// sub-groups (even and odd world ranks), and checks the sums against the closed forms.
struct DiagMPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpi",
        abstract: "All-reduce self-check: run as `mpirun -np N colad diag mpi`; prints one JSON line per rank.")

    @Option(help: "Number of floats to all-reduce.") var count = 100_000

    func run() throws {
        do {
            let world = try MPIRuntime.start()
            defer { MPIRuntime.finish() }
            let (r, n) = (world.rank, world.size)
            var buf = (0..<count).map { Float(r + 1) * Float($0 % 1000 + 1) }
            try buf.withUnsafeMutableBufferPointer { try world.allReduceSum($0) }
            let total = Float(n * (n + 1) / 2)
            let worldOK = buf.enumerated().allSatisfy { $0.element == total * Float($0.offset % 1000 + 1) }

            let group = try world.split(color: r % 2)!
            var g = [Float(r + 1)]
            try g.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
            let expected = stride(from: r % 2, to: n, by: 2).reduce(Float(0)) { $0 + Float($1 + 1) }
            let groupOK = g[0] == expected

            let names = try world.allGather(Array("rank\(r)".utf8)).map { String(decoding: $0, as: UTF8.self) }
            let gatherOK = names == (0..<n).map { "rank\($0)" }

            printJSON(["rank": r, "size": n, "host": MPIRuntime.processorName(), "world_sum_first": buf.first ?? 0,
                       "world_ok": worldOK, "group_size": group.size, "group_sum": g[0], "group_ok": groupOK,
                       "allgather_ok": gatherOK, "mpi": MPIRuntime.version()])
            if !(worldOK && groupOK && gatherOK) { throw ExitCode(1) }
        } catch let e as ExitCode { throw e } catch { fail(error) }
    }
}

/// Which OpenBLAS kernels colad runs here (after its relaunch, Engine/BLASKernels.swift).
struct DiagBLAS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas",
        abstract: "The OpenBLAS kernel set colad runs on this CPU and the one OpenBLAS detected by itself.",
        discussion: "--coretype prints only the kernel set's name, the value for OPENBLAS_CORETYPE (launch/env.sh exports it).")

    @Flag(help: "Print only the kernel set's name.") var coretype = false

    func run() throws {
        if coretype { print(BLASKernels.current); return }
        let detected = ProcessInfo.processInfo.environment[BLASKernels.relaunchMarker] ?? BLASKernels.current
        let chosen: Any = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? NSNull()
        printJSON(["kernels": BLASKernels.current, "detected_by_openblas": detected, "openblas_coretype": chosen])
    }
}

/// C3–C5 of a torchvision-layout ResNet for a given input: checks converted weights against
/// torchvision itself (Tests/Integration/torchvision_resnet.sh does so for ResNet-18 and -50).
struct DiagBackbone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backbone",
        abstract: "Run a torchvision-layout ResNet on an input and write its C3, C4, C5.",
        discussion: """
            --weights is a torchvision state dict in safetensors (launch/convert-torchvision-weights); \
            --input a safetensors file whose tensor `input` is [N, 3, H, W] (NCHW, normalised, H and W \
            multiples of 32). Writes c3, c4, c5 (NCHW, inference mode) to --out.
            """)

    @Option(help: "ResNet depth: 18, 34, 50 or 101.") var depth: Int
    @Option(help: "Backbone norm: frozen_bn or gn.") var norm = "frozen_bn"
    @Option(help: "torchvision state dict (safetensors).") var weights: String
    @Option(help: "safetensors file with an `input` tensor [N,3,H,W].") var input: String
    @Option(help: "Where to write c3, c4, c5 (safetensors).") var out: String

    func run() throws {
        do {
            guard let kind = ResNetSpec.Norm(rawValue: norm) else {
                throw ValidationError("--norm \(norm): expected frozen_bn or gn")
            }
            guard let spec = ResNetSpec.depth(depth, norm: kind, frozenStages: -1) else {
                throw ValidationError("--depth \(depth): expected one of \(ResNetSpec.depths.map(String.init).joined(separator: ", "))")
            }
            let store = ParameterStore(seed: 0)
            let net = ResNet(store, spec)
            let (tensors, _) = try SafeTensors.read(URL(fileURLWithPath: weights))
            try ResNetWeights.load(tensors, into: store, file: weights)
            let (inputs, _) = try SafeTensors.read(URL(fileURLWithPath: input))
            guard let x = inputs.first(where: { $0.name == "input" }) else {
                throw EngineError(file: input, field: "tensor input", value: "missing", hint: "the file must hold a tensor named input, [N, 3, H, W]")
            }
            guard x.shape.count == 4, x.shape[1] == 3, x.shape[2] % 32 == 0, x.shape[3] % 32 == 0 else {
                throw EngineError(file: input, field: "tensor input.shape", value: "\(x.shape)", hint: "expected [N, 3, H, W] with H and W multiples of 32")
            }
            let start = Date()
            let feats = net.forward(x.nhwcTensor, training: false)
            let ms = Date().timeIntervalSince(start) * 1000
            let named = feats.enumerated().map { NamedTensor(nchw: $1, name: "c\($0 + 3)") }
            try SafeTensors.write(named, metadata: ["backbone": "resnet\(depth)", "norm": norm], to: URL(fileURLWithPath: out))
            print("diag backbone: resnet\(depth) \(norm), \(store.count) values from \(weights); input \(x.shape) → "
                  + named.map { "\($0.name) \($0.shape)" }.joined(separator: ", ") + String(format: " in %.0f ms → %@", ms, out))
        } catch let e as ValidationError { throw e } catch { fail(error) }
    }
}
