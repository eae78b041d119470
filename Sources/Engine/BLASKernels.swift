// Which OpenBLAS kernels run the GEMMs, and whether they are the ones colad targets on this CPU.
//
// Debian's OpenBLAS is built with DYNAMIC_ARCH: at load it picks a kernel set from the CPU's
// family and model numbers. A CPU model it does not know (virtual machines often report a
// generic "Intel Xeon Processor") falls back to the oldest x86-64 set, Prescott (SSE3), even
// when the CPU has AVX-512; a CPU it knows with AVX-512 gets SkylakeX-class kernels (SkylakeX,
// Cooperlake, SapphireRapids). `retarget` compares the chosen set with the instruction sets the
// CPU reports and names colad's target when the two differ; the colad executable then
// re-executes itself once with OPENBLAS_CORETYPE set (the variable is read when the library
// loads, so it cannot be changed in-process). An OPENBLAS_CORETYPE the user set is never
// overridden.
//
// The target is the best class up to Haswell (AVX2 + FMA), also on AVX-512 CPUs, whichever
// set OpenBLAS picked: a kernel set above it is taken down, one below it up.
//   Speed: on the 2-core AVX-512 VM of 2026-12-01 (OpenBLAS 0.3.21 detected Prescott):
//   colad train img/s, 2 threads, 2 rounds   tiny            small
//     Prescott                               58-62           -
//     Haswell                                98.4, 103.4     47.0, 48.7
//     SkylakeX                               112.9, 123.7    55.1, 55.0
//   On the 2-core AMD EPYC (AVX-512) VM of 2026-12-02, where OpenBLAS itself chose Cooperlake,
//   `colad bench ops --profile-preset P` (2 threads, 3 alternating rounds, median ms):
//   tiny Haswell 63.2 / Cooperlake 51.6, small 151.6 / 128.3.
//   Parity: Tests/Integration/distributed_parity.sh, 2 ranks per network vs the reference at
//   twice the batch, largest relative difference over 4 iterations: Haswell 3.9e-8, SkylakeX
//   3.1e-5; with Cooperlake (2026-12-02) InMemoryJobTests' 2 replicas per network already differ
//   by 4.5e-3 at iteration 2 (46 vs 47 positive anchors).
// SkylakeX-class kernels round a row differently depending on the matrix's size, so a batch
// split over ranks drifts from the single-process reference a thousand times more, and the same
// config and seed train differently on a machine whose OpenBLAS chose differently (a committed
// experiment retrained elsewhere would not reproduce). Parity and reproducibility are worth the
// 15-20 %: set OPENBLAS_CORETYPE=SkylakeX (or Cooperlake) to trade them for that speed.
import CBLAS
import Foundation

public enum BLASKernels {
    /// The kernel set OpenBLAS is running, e.g. "SkylakeX".
    public static var current: String { String(cString: colad_blas_corename()) }

    /// Kernel classes by the instruction sets they need: 3 AVX-512, 2 AVX2 + FMA, 1 AVX, 0 SSE
    /// only. The name is what OPENBLAS_CORETYPE accepts for that class. Class 3 is never a
    /// target (see above): a choice of OpenBLAS's that colad takes down to Haswell.
    static let classes: [(rank: Int, name: String, flags: [String], cores: [String])] = [
        (3, "SkylakeX", ["avx512f", "avx512bw", "avx512dq", "avx512vl"], ["skylakex", "cooperlake", "sapphirerapids"]),
        (2, "Haswell", ["avx2", "fma"], ["haswell", "zen", "excavator"]),
        (1, "Sandybridge", ["avx"], ["sandybridge", "bulldozer", "piledriver", "steamroller"]),
    ]

    /// The class of a kernel set OpenBLAS names (0 for the SSE-only ones and unknown names).
    static func rank(core: String) -> Int {
        classes.first { $0.cores.contains(core.lowercased()) }?.rank ?? 0
    }

    /// The best class the CPU's flags (as in /proc/cpuinfo) support and colad targets (at most
    /// Haswell), or nil for SSE only.
    static func supported(flags: Set<String>) -> (rank: Int, name: String)? {
        classes.first { $0.rank <= 2 && $0.flags.allSatisfy(flags.contains) }.map { ($0.rank, $0.name) }
    }

    /// The kernel set to ask for instead of `current`, or nil when `current` is already colad's
    /// target for the CPU (the best class up to Haswell it supports), the CPU supports no class
    /// above SSE, or the user chose one (OPENBLAS_CORETYPE set). A kernel set of another name
    /// in the target's class (Zen for Haswell) is kept: the class decides the instructions.
    public static func retarget(current: String, flags: Set<String>, environment: [String: String]) -> String? {
        if let chosen = environment["OPENBLAS_CORETYPE"], !chosen.isEmpty { return nil }
        guard let best = supported(flags: flags), best.rank != rank(core: current) else { return nil }
        return best.name
    }

    /// Why this process's GEMMs cannot show data-parallel parity, or nil when it runs colad's
    /// target kernels (or the ones the user chose). A test process is not re-executed like the
    /// colad executable: `launch/test` exports the target (launch/env.sh); a plain `swift test`
    /// on an AVX-512 CPU may run SkylakeX-class kernels, and a parity test says so first.
    public static var offTarget: String? {
        guard let target = retarget(current: current, flags: cpuFlags(), environment: ProcessInfo.processInfo.environment) else { return nil }
        return "OpenBLAS runs \(current) kernels here, colad's target is \(target): replicas would not match the reference "
            + "(Sources/Engine/README.md, Kernels)\n  hint: run the tests with launch/test, or set OPENBLAS_CORETYPE=\(target)"
    }

    /// The CPU flags of /proc/cpuinfo's first processor (empty where there is no such file).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let line = cpuinfo?.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// One line for logs: "OpenBLAS kernels SkylakeX (its own detection chose Prescott)".
    public static var summary: String {
        var s = "OpenBLAS kernels \(current)"
        if let from = ProcessInfo.processInfo.environment[relaunchMarker] { s += " (its own detection chose \(from) on this CPU)" }
        return s
    }

    /// Set in the re-executed process: the kernel set OpenBLAS had chosen by itself.
    public static let relaunchMarker = "COLAD_BLAS_DETECTED"
}
