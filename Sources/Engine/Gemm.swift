// Thin wrapper over cblas_sgemm (row-major) so layers state their GEMMs in one line.
import CBLAS
import Dispatch

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
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    if FlopCounter.timing { FlopCounter.gemmNanos &+= DispatchTime.now().uptimeNanoseconds - t0 }
}

/// Threads OpenBLAS uses per call.
public var blasThreads: Int { Int(colad_blas_threads()) }

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
