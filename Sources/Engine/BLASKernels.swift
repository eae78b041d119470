// Which OpenBLAS kernels run the GEMMs, and whether they are the ones this CPU can run.
//
// Debian's OpenBLAS is built with DYNAMIC_ARCH: at load it picks a kernel set from the CPU's
// family and model numbers. A CPU model it does not know (virtual machines often report a
// generic "Intel Xeon Processor") falls back to the oldest x86-64 set, Prescott (SSE3), even
// when the CPU has AVX-512. `upgrade` compares the chosen set with the instruction sets the CPU
// reports and names a better one; the colad executable then re-executes itself once with
// OPENBLAS_CORETYPE set (the variable is read when the library loads, so it cannot be changed
// in-process). An OPENBLAS_CORETYPE the user set is never overridden.
//
// The target is at most Haswell (AVX2 + FMA), also on AVX-512 CPUs. Measured on the 2-core
// AVX-512 VM of 2026-12-01 (OpenBLAS 0.3.21 detected Prescott):
//   colad train img/s, 2 threads, 2 rounds   tiny            small
//     Prescott                               58-62           -
//     Haswell                                98.4, 103.4     47.0, 48.7
//     SkylakeX                               112.9, 123.7    55.1, 55.0
//   Tests/Integration/distributed_parity.sh, 2 ranks per network vs the reference at twice the
//   batch, largest relative difference over 4 iterations: Haswell 3.9e-8, SkylakeX 3.1e-5.
// SkylakeX's kernels round a row differently depending on the matrix's size, so a batch split
// over ranks drifts from the single-process reference a thousand times more; parity is worth
// the 15-20 %. Where OpenBLAS itself chose SkylakeX (a CPU it knows), colad leaves it; set
// OPENBLAS_CORETYPE=SkylakeX to trade parity for that speed here.
import CBLAS
import Foundation

public enum BLASKernels {
    /// The kernel set OpenBLAS is running, e.g. "SkylakeX".
    public static var current: String { String(cString: colad_blas_corename()) }

    /// Kernel classes by the instruction sets they need: 3 AVX-512, 2 AVX2 + FMA, 1 AVX, 0 SSE
    /// only. The name is what OPENBLAS_CORETYPE accepts for that class. Class 3 is never a
    /// target (see above), only a choice of OpenBLAS's to leave alone.
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

    /// The kernel set to ask for instead of `current`, or nil when `current` is already as good
    /// as the CPU allows or the user chose one (OPENBLAS_CORETYPE set).
    public static func upgrade(current: String, flags: Set<String>, environment: [String: String]) -> String? {
        if let chosen = environment["OPENBLAS_CORETYPE"], !chosen.isEmpty { return nil }
        guard let best = supported(flags: flags), best.rank > rank(core: current) else { return nil }
        return best.name
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
