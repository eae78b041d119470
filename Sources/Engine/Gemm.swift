// Wrapper over cblas_sgemm (row-major) so layers state their GEMMs in one line.
//
// Threading: colad runs OpenBLAS single-threaded and splits each large GEMM itself into
// `Parallel.threads` independent blocks of output rows (or columns, when there are few rows),
// one single-threaded sgemm per block, on the same worker threads as the other kernels.
// Why: with OpenBLAS's own threads, its idle workers spin (sched_yield) while colad's
// kernels run on the same cores — measured at 15–20% of a training step on 2 cores.
// The number of blocks depends only on the GEMM's shape (never on the thread count) and the
// blocks are independent calls, so results are identical for any thread count (OpenBLAS picks
// different micro-kernels for different block shapes, so a thread-dependent split would not be).
import CBLAS
import Dispatch
import Foundation

/// C[M×N] = alpha · op(A) · op(B) + beta · C, all row-major. op(X) = Xᵀ when `transX`.
/// A is M×K (or K×M when transposed), B is K×N (or N×K when transposed).
@inlinable
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    FlopCounter.gemm &+= Int64(2 * m * n * k)
    if FlopCounter.recording { FlopCounter.shapes.append(GemmShape(transA: transA, transB: transB, m: m, n: n, k: k, beta: beta)) }
    let t0 = FlopCounter.timing ? DispatchTime.now().uptimeNanoseconds : 0
    let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
    let parts = GemmThreading.split ? GemmThreading.blocks(work: m * n * k, m: m, n: n, k: k) : 1
    if parts <= 1 {
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    } else if k > 4 * max(m, n) {
        // Reduction-heavy (e.g. dW = dYᵀ·cols, K = positions): split K into blocks with their own
        // partial outputs, then C = beta·C + alpha·Σ partials in block order. Splitting M or N here
        // would re-pack the large operand once per block.
        let step = (k + parts - 1) / parts
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: parts * m * n)
        defer { partial.deallocate() }
        Parallel.forEach(parts) { t in
            let k0 = t * step, k1 = min(k, k0 + step)
            let out = partial + t * m * n
            guard k0 < k1 else { out.update(repeating: 0, count: m * n); return }
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k1 - k0), 1,
                        a + (transA ? k0 * lda : k0), Int32(lda), b + (transB ? k0 : k0 * ldb), Int32(ldb),
                        0, out, Int32(n))
        }
        for i in 0..<m {
            let row = c + i * ldc
            for j in 0..<n {
                var acc: Float = 0
                for t in 0..<parts { acc += partial[t * m * n + i * n + j] }
                row[j] = (beta == 0 ? 0 : beta * row[j]) + alpha * acc
            }
        }
    } else if m >= n {
        // Blocks of output rows: rows m0..<m1 of op(A) start at a + m0·lda (or a + m0 when transposed).
        let step = (m + parts - 1) / parts
        Parallel.forEach(parts) { t in
            let m0 = t * step, m1 = min(m, m0 + step)
            guard m0 < m1 else { return }
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m1 - m0), Int32(n), Int32(k), alpha, a + (transA ? m0 : m0 * lda), Int32(lda),
                        b, Int32(ldb), beta, c + m0 * ldc, Int32(ldc))
        }
    } else {
        // Blocks of output columns: columns n0..<n1 of op(B) start at b + n0 (or b + n0·ldb when transposed).
        let step = (n + parts - 1) / parts
        Parallel.forEach(parts) { t in
            let n0 = t * step, n1 = min(n, n0 + step)
            guard n0 < n1 else { return }
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n1 - n0), Int32(k), alpha, a, Int32(lda),
                        b + (transB ? n0 * ldb : n0), Int32(ldb), beta, c + n0, Int32(ldc))
        }
    }
    if FlopCounter.timing { FlopCounter.gemmNanos &+= DispatchTime.now().uptimeNanoseconds - t0 }
}

/// How `sgemm` is threaded (see the file comment).
public enum GemmThreading {
    /// Split GEMMs across `Parallel.threads` with single-threaded OpenBLAS (default), or leave
    /// threading to OpenBLAS (`false`, for the benchmark's raw-sgemm reference).
    nonisolated(unsafe) public static var split = true
    /// Below this many multiply-adds per block a GEMM is not split further.
    public static let minWorkPerBlock = 1 << 17
    /// At most this many blocks per GEMM: COLAD_GEMM_BLOCKS, else the thread count rounded down
    /// to a power of two, between 2 and 8. Results are bit-identical across thread counts as
    /// long as this number is the same (set COLAD_GEMM_BLOCKS to compare runs on different nodes).
    nonisolated(unsafe) public static var maxBlocks: Int = {
        if let s = ProcessInfo.processInfo.environment["COLAD_GEMM_BLOCKS"], let n = Int(s), n >= 1 { return n }
        var b = 2
        while b * 2 <= min(8, requestedThreads) { b *= 2 }
        return b
    }()

    /// Blocks for a GEMM of `work` multiply-adds: the largest power of two ≤ maxBlocks with at
    /// least minWorkPerBlock each, and no more blocks than rows/columns. Shape-only by design.
    @inlinable static func blocks(work: Int, m: Int, n: Int, k: Int) -> Int {
        var b = 1
        while b < maxBlocks && work / (2 * b) >= minWorkPerBlock && max(m, n, k) >= 2 * b { b *= 2 }
        return b
    }

    /// Makes OpenBLAS single-threaded (colad splits GEMMs itself). Called once at start-up by
    /// `Parallel.threads`' initialiser.
    static func configure() {
        setBlasThreads(1)
    }
}

/// Threads OpenBLAS uses per call.
public var blasThreads: Int { Int(colad_blas_threads()) }

/// The thread count the user asked for: COLAD_THREADS, else OPENBLAS_NUM_THREADS, else the core count.
public var requestedThreads: Int {
    let env = ProcessInfo.processInfo.environment
    for key in ["COLAD_THREADS", "OPENBLAS_NUM_THREADS"] { if let s = env[key], let n = Int(s), n >= 1 { return n } }
    return ProcessInfo.processInfo.activeProcessorCount
}

/// Sets OpenBLAS's thread count (the OPENBLAS_NUM_THREADS environment variable sets the default).
public func setBlasThreads(_ n: Int) { colad_blas_set_threads(Int32(n)) }

/// Counts the floating-point operations of every `sgemm` call (2·M·N·K each), for benchmarks.
public enum FlopCounter {
    nonisolated(unsafe) public static var gemm: Int64 = 0
    /// When set, wall time inside sgemm is summed into `gemmNanos` (benchmarks only).
    nonisolated(unsafe) public static var timing = false
    nonisolated(unsafe) public static var gemmNanos: UInt64 = 0
    /// When set, every sgemm call's shape is appended to `shapes` (to replay them raw).
    nonisolated(unsafe) public static var recording = false
    nonisolated(unsafe) public static var shapes: [GemmShape] = []
}

/// One sgemm call's shape, for replaying a network's GEMMs on their own.
public struct GemmShape: Hashable {
    public var transA, transB: Bool
    public var m, n, k: Int
    public var beta: Float
    public init(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Float) {
        self.transA = transA; self.transB = transB; self.m = m; self.n = n; self.k = k; self.beta = beta
    }
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}
