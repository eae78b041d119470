import XCTest
import Engine
import TestSupport

final class GemmTests: XCTestCase {
    /// Each split path (rows, columns, K with partial sums; all transposes; beta 0 and 1) agrees
    /// with one unsplit OpenBLAS call, and a Double reference.
    func testSplitPathsMatchUnsplitAndReference() {
        let shapes: [(m: Int, n: Int, k: Int)] = [(2048, 64, 300), (32, 2048, 300), (16, 24, 20000), (7, 5, 3)]
        for (m, n, k) in shapes {
            let a = randomTensor([m * k], seed: 1).data, b = randomTensor([k * n], seed: 2).data
            let c0 = randomTensor([m * n], seed: 3).data
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for beta: Float in [0, 1] {
                    let (lda, ldb) = (ta ? m : k, tb ? k : n)
                    func run(split: Bool) -> [Float] {
                        GemmThreading.split = split
                        defer { GemmThreading.split = true }
                        var c = c0
                        sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
                              beta: beta, c: &c, ldc: n)
                        return c
                    }
                    let split = run(split: true), whole = run(split: false)
                    assertClose(split, whole, atol: 1e-3, rtol: 1e-4, "m\(m) n\(n) k\(k) ta\(ta) tb\(tb) beta\(beta)")
                    // Spot-check a few entries against a Double dot product.
                    for (i, j) in [(0, 0), (m - 1, n - 1), (m / 2, n / 3)] {
                        var acc = 0.0
                        for p in 0..<k {
                            let av = ta ? a[p * lda + i] : a[i * lda + p], bv = tb ? b[j * ldb + p] : b[p * ldb + j]
                            acc += Double(av) * Double(bv)
                        }
                        let want = Double(beta) * Double(c0[i * n + j]) + 0.5 * acc
                        XCTAssertEqual(Double(split[i * n + j]), want, accuracy: 1e-3 * max(1, abs(want)))
                    }
                }
            }
        }
    }
}
