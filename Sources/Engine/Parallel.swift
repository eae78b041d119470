// Data parallelism for the non-GEMM kernels (im2col, col2im, GroupNorm, pointwise ops).
// Work is split by image (or by fixed-size chunks); every reduction across images is done
// afterwards in image order, so results are bit-identical whatever the thread count.
import Dispatch
import Foundation

public enum Parallel {
    /// Worker threads for the kernels and the GEMM split: COLAD_THREADS, else
    /// OPENBLAS_NUM_THREADS, else the core count. OpenBLAS itself is set to one thread.
    nonisolated(unsafe) public static var threads: Int = {
        GemmThreading.configure()
        return requestedThreads
    }()

    /// Runs body(i) for i in 0..<n, concurrently when threads > 1.
    public static func forEach(_ n: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(n, threads: threads, body)
    }

    /// Runs body(range) over `count` elements split into equal contiguous chunks.
    public static func forChunks(_ count: Int, minChunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        let chunks = threads <= 1 ? 1 : min(threads * 2, max(1, count / minChunk))
        if chunks == 1 { body(0..<count); return }
        let size = (count + chunks - 1) / chunks
        WorkerPool.shared.run(chunks, threads: threads) { c in
            let lo = c * size, hi = min(count, lo + size)
            if lo < hi { body(lo..<hi) }
        }
    }
}
