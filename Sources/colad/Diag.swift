import ArgumentParser
import Comm
import Engine
import Foundation

struct Diag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the native runtime (MPI, OpenBLAS) on this machine or under mpirun.",
        subcommands: [DiagMPI.self, DiagBLAS.self])
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
