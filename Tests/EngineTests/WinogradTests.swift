import XCTest
@testable import Engine
import TestSupport

/// WinogradConv3x3, F(2×2, 3×3) and F(4×4, 3×3), against hand cases, finite differences, the
/// naive loop and Conv2D's im2col path, and the float64 numpy fixture.
final class WinogradTests: XCTestCase {
    let tilings: [WinogradTiling] = [.f2x2, .f4x4]

    func makeConv(c: Int, o: Int, weight: [Float], bias: [Float]) -> Conv2D {
        let conv = Conv2D(ParameterStore(seed: 0), name: "c", inChannels: c, outChannels: o, kernel: 3, stride: 1, padding: 1,
                          bias: !bias.isEmpty)
        conv.weight.values.update(from: weight, count: weight.count)
        if let b = conv.bias { b.values.update(from: bias, count: bias.count) }
        return conv
    }

    /// Hand case: x = 1…9 as a 3×3 image (odd: the second tile row and column are half outside),
    /// a kernel whose only 1 is its top-left tap, bias 0.5: y[i,j] = x[i−1,j−1] + 0.5.
    /// dy = 1: dx[a,b] = 1 where (a+1, b+1) is inside; dW[kh,kw] = Σ of x over the shifted window:
    /// dW[0,0] = 1+2+4+5 = 12, dW[0,1] = 1+…+6 = 21, dW[1,1] = 45, dW[2,2] = 5+6+8+9 = 28; db = 9.
    /// (For F(4×4) the 3×3 image is one tile, three quarters of it inside.)
    func testHandComputed() {
        for tiling in tilings {
            var w = [Float](repeating: 0, count: 9); w[0] = 1
            let conv = makeConv(c: 1, o: 1, weight: w, bias: [0.5])
            let wino = WinogradConv3x3(sharing: conv, tiling: tiling)
            let y = wino.forward(Tensor(shape: [1, 3, 3, 1], data: [1, 2, 3, 4, 5, 6, 7, 8, 9]))
            assertClose(y.data, [0.5, 0.5, 0.5, 0.5, 1.5, 2.5, 0.5, 4.5, 5.5], atol: 1e-5, rtol: 0, "F\(tiling.m)")
            let dx = wino.backward(Tensor(shape: [1, 3, 3, 1], repeating: 1))!
            assertClose(dx.data, [1, 1, 0, 1, 1, 0, 0, 0, 0], atol: 1e-5, rtol: 0, "F\(tiling.m)")
            let dw = conv.weight.gradArray
            assertClose([dw[0], dw[1], dw[4], dw[8]], [12, 21, 45, 28], atol: 1e-4, rtol: 0, "F\(tiling.m)")
            assertClose(conv.bias!.grads[0], 9)
        }
    }

    /// Hand case for F(4×4)'s second tile: x = 1…25 as a 5×5 image (x[r, c] = 5r + c + 1; the
    /// second tile row and column have one row/column inside), a kernel whose only tap is 2 at
    /// the bottom right, bias 0.5: y[i, j] = 2·x[i+1, j+1] + 0.5 (0.5 in the last row/column).
    /// dy = 1: dx[a, b] = 2 where a, b ≥ 1; dW[0,0] = Σ x[0…3, 0…3] = 160, dW[1,1] = Σ x = 325,
    /// dW[2,2] = Σ x[1…4, 1…4] = 256; db = 25.
    func testHandComputedSecondTile() {
        for tiling in tilings {
            var w = [Float](repeating: 0, count: 9); w[8] = 2
            let conv = makeConv(c: 1, o: 1, weight: w, bias: [0.5])
            let wino = WinogradConv3x3(sharing: conv, tiling: tiling)
            let y = wino.forward(Tensor(shape: [1, 5, 5, 1], data: (1...25).map(Float.init)))
            assertClose(y.data, [14.5, 16.5, 18.5, 20.5, 0.5, 24.5, 26.5, 28.5, 30.5, 0.5, 34.5, 36.5, 38.5, 40.5, 0.5,
                                 44.5, 46.5, 48.5, 50.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], atol: 1e-4, rtol: 0, "F\(tiling.m)")
            let dx = wino.backward(Tensor(shape: [1, 5, 5, 1], repeating: 1))!
            assertClose(dx.data, [0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 0, 2, 2, 2, 2, 0, 2, 2, 2, 2, 0, 2, 2, 2, 2],
                        atol: 1e-5, rtol: 0, "F\(tiling.m)")
            let dw = conv.weight.gradArray
            assertClose([dw[0], dw[4], dw[8]], [160, 325, 256], atol: 1e-3, rtol: 0, "F\(tiling.m)")
            assertClose(conv.bias!.grads[0], 25)
        }
    }

    /// The tilings' matrices compute a correlation: Aᵀ[(G g) ⊙ (Bᵀ d)] = Σ_k d[i+k]·g[k] (1-D, in
    /// Double, from the constants as stored), and each backward matrix is its forward's transpose.
    func testTilingMatricesComputeCorrelation() {
        var rng = SplitMix64(seed: 3)
        for tiling in tilings {
            let (bt, g, at) = (tiling.bt.dense, tiling.g.dense, tiling.at.dense)
            XCTAssertEqual(bt.count, tiling.alpha); XCTAssertEqual(g.count, tiling.alpha); XCTAssertEqual(at.count, tiling.m)
            for _ in 0..<5 {
                let d = (0..<tiling.alpha).map { _ in rng.nextNormal() }, k = (0..<3).map { _ in rng.nextNormal() }
                let gk = g.map { row in zip(row, k).map(*).reduce(0, +) }, bd = bt.map { row in zip(row, d).map(*).reduce(0, +) }
                let y = at.map { row in (0..<tiling.alpha).map { row[$0] * gk[$0] * bd[$0] }.reduce(0, +) }
                let reference = (0..<tiling.m).map { i in (0..<3).map { d[i + $0] * k[$0] }.reduce(0, +) }
                for (a, b) in zip(y, reference) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), "F\(tiling.m)") }
            }
            XCTAssertEqual(tiling.b.dense, tiling.bt.transposed.dense)
            XCTAssertEqual(tiling.gt.dense, tiling.g.transposed.dense)
            XCTAssertEqual(tiling.a.dense, tiling.at.transposed.dense)
            XCTAssertEqual(tiling.bt.transposed.transposed, tiling.bt)
        }
    }

    /// Which form a convolution takes on an H×W input: F(4×4) from a side of 8, F(2×2) from 2,
    /// im2col below; `winograd` never takes F(4×4).
    func testTilingPolicy() {
        XCTAssertNil(ConvAlgorithm.im2col.tiling(height: 64, width: 64))
        XCTAssertNil(ConvAlgorithm.winograd.tiling(height: 1, width: 1))
        XCTAssertNil(ConvAlgorithm.winograd.tiling(height: 64, width: 1))
        XCTAssertEqual(ConvAlgorithm.winograd.tiling(height: 2, width: 2), .f2x2)
        XCTAssertEqual(ConvAlgorithm.winograd.tiling(height: 64, width: 64), .f2x2)
        XCTAssertNil(ConvAlgorithm.winograd4x4.tiling(height: 1, width: 5))
        XCTAssertEqual(ConvAlgorithm.winograd4x4.tiling(height: 7, width: 7), .f2x2)
        XCTAssertEqual(ConvAlgorithm.winograd4x4.tiling(height: 8, width: 7), .f2x2)
        XCTAssertEqual(ConvAlgorithm.winograd4x4.tiling(height: 8, width: 8), .f4x4)
    }

    /// A Conv2D built for winograd4x4 takes each form by the input's size (1×1 im2col, 4×4
    /// F(2×2), 9×9 F(4×4)) and matches the im2col Conv2D on each, forward and backward, in one
    /// object applied to the three sizes in turn.
    func testConv2DTakesTheFormOfEachInput() {
        let store = ParameterStore(seed: 7), plain = ParameterStore(seed: 7)
        store.convAlgorithm = .winograd4x4
        let conv = Conv2D(store, name: "c", inChannels: 3, outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: true)
        let reference = Conv2D(plain, name: "c", inChannels: 3, outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: true)
        let values = { (p: Parameter) in Array(UnsafeBufferPointer(start: p.values, count: p.count)) }
        XCTAssertEqual(values(conv.weight), values(reference.weight))
        for (side, seed) in [(1, 1), (4, 2), (9, 3)] as [(Int, UInt64)] {
            let x = randomTensor([2, side, side, 3], seed: seed), dy = randomTensor([2, side, side, 4], seed: seed + 10)
            let y = conv.forward(x), yRef = reference.forward(x)
            assertClose(y.data, yRef.data, atol: 1e-4, rtol: 1e-4, "y \(side)×\(side)")
            assertClose(conv.backward(dy)!.data, reference.backward(dy)!.data, atol: 1e-4, rtol: 1e-4, "dx \(side)×\(side)")
            assertClose(conv.weight.gradArray, reference.weight.gradArray, atol: 1e-4, rtol: 1e-4, "dW \(side)×\(side)")
            if side == 1 { XCTAssertEqual(y.data, yRef.data, "1×1 takes im2col: the same bits") }
            if side == 9 { XCTAssertNotEqual(y.data, yRef.data, "9×9 takes a Winograd path") }
        }
    }

    /// Forward against the naive loop, and forward + backward against Conv2D's im2col path, on
    /// odd and even sides, one and several channels.
    func testMatchesNaiveAndIm2col() {
        var seed: UInt64 = 40
        for tiling in tilings { for (h, w) in [(1, 1), (2, 3), (5, 6), (7, 7), (8, 4), (9, 10)] {
            for (c, o) in [(1, 1), (3, 5), (8, 4)] {
                seed += 1
                let wt = randomTensor([o, 3, 3, c], seed: seed).data, b = randomTensor([o], seed: seed + 100).data
                let reference = makeConv(c: c, o: o, weight: wt, bias: b)
                let conv = makeConv(c: c, o: o, weight: wt, bias: b), wino = WinogradConv3x3(sharing: conv, tiling: tiling)
                let x = randomTensor([2, h, w, c], seed: seed + 200), dy = randomTensor([2, h, w, o], seed: seed + 300)
                let name = "F\(tiling.m) h\(h) w\(w) c\(c) o\(o)"
                let y = wino.forward(x)
                assertClose(y.data, referenceConv2D(x: x, weight: wt, bias: b, reference.geometry).data, atol: 1e-4, rtol: 1e-4, "naive " + name)
                assertClose(y.data, reference.forward(x).data, atol: 1e-4, rtol: 1e-4, "im2col " + name)
                let dx = wino.backward(dy)!, dxRef = reference.backward(dy)!
                assertClose(dx.data, dxRef.data, atol: 1e-4, rtol: 1e-4, "dx " + name)
                assertClose(conv.weight.gradArray, reference.weight.gradArray, atol: 1e-4, rtol: 1e-4, "dW " + name)
                assertClose(conv.bias!.gradArray, reference.bias!.gradArray, atol: 1e-4, rtol: 1e-4, "db " + name)
            }
        } }
    }

    /// Central differences of L = Σ dy·conv(x) w.r.t. x, W and b. L is linear in each, so the
    /// differences have no truncation error and the step (0.25) only sets the Float32 noise:
    /// F(4×4)'s forward rounds ~10× coarser than F(2×2)'s, and at a step of 0.01 that noise
    /// (≈ 1e-4 in L ÷ 0.02) alone reached the tolerance.
    func testFiniteDifferences() {
        for tiling in tilings { for (h, w) in [(5, 5), (4, 3), (9, 6)] {
            let conv = makeConv(c: 3, o: 2, weight: randomTensor([2, 3, 3, 3], seed: 5).data, bias: [0.1, -0.2])
            let wino = WinogradConv3x3(sharing: conv, tiling: tiling)
            let x = randomTensor([2, h, w, 3], seed: 6), dy = randomTensor([2, h, w, 2], seed: 7)
            _ = wino.forward(x)
            let dx = wino.backward(dy)!
            let loss = { dot(wino.forward(x, training: false), dy) }
            let numeric = numericalGradient(of: x, step: 0.25) { dot(wino.forward($0, training: false), dy) }
            assertClose(dx.data, numeric, atol: 2e-3, rtol: 2e-3, "dx F\(tiling.m) \(h)×\(w)")
            let numW = (0..<conv.weight.count).map { centralDifference(conv.weight.values, $0, step: 0.25, loss: loss) }
            assertClose(conv.weight.gradArray, numW, atol: 2e-3, rtol: 2e-3, "dW F\(tiling.m) \(h)×\(w)")
            let numB = (0..<2).map { centralDifference(conv.bias!.values, $0, step: 0.25, loss: loss) }
            assertClose(conv.bias!.gradArray, numB, atol: 2e-3, rtol: 2e-3, "db \(h)×\(w)")
        } }
    }

    /// The float64 numpy reference (Tests/Fixtures/scripts/make_engine_fixtures.py): its 3×3
    /// stride-1 pad-1 case (2 images 5×6, 3 → 4 channels, bias).
    func testMatchesNumpyReference() throws {
        let root = try XCTUnwrap(loadFixtureJSON("engine/conv2d.json") as? [String: Any])
        let cases = try XCTUnwrap(root["cases"] as? [[String: Any]]).filter {
            $0["k"] as? Int == 3 && $0["stride"] as? Int == 1 && $0["padding"] as? Int == 1
        }
        XCTAssertEqual(cases.count, 1)
        for tiling in tilings { for c in cases {
            let i = { (k: String) in c[k] as! Int }
            let conv = makeConv(c: i("c"), o: i("o"), weight: floats(c["weight"]), bias: floats(c["b"]))
            let wino = WinogradConv3x3(sharing: conv, tiling: tiling)
            let y = wino.forward(Tensor(shape: [i("n"), i("h"), i("w"), i("c")], data: floats(c["x"])))
            assertClose(y.data, floats(c["y"]), atol: 1e-4, rtol: 1e-4)
            let dx = wino.backward(Tensor(shape: y.shape, data: floats(c["dy"])))!
            assertClose(dx.data, floats(c["dx"]), atol: 1e-4, rtol: 1e-4)
            assertClose(conv.weight.gradArray, floats(c["dweight"]), atol: 1e-4, rtol: 1e-4)
            assertClose(conv.bias!.gradArray, floats(c["db"]), atol: 1e-4, rtol: 1e-4)
        } }
    }

    /// Two applications of one weight (pyramid levels) accumulate as two backward passes of Conv2D.
    func testSharedApplicationsAccumulate() {
        for tiling in tilings {
        let wt = randomTensor([2, 3, 3, 2], seed: 1).data
        let conv = makeConv(c: 2, o: 2, weight: wt, bias: []), reference = makeConv(c: 2, o: 2, weight: wt, bias: [])
        let a = WinogradConv3x3(sharing: conv, tiling: tiling), b = WinogradConv3x3(sharing: conv, tiling: tiling)
        let x1 = randomTensor([1, 4, 4, 2], seed: 2), x2 = randomTensor([1, 3, 2, 2], seed: 3)
        _ = a.forward(x1); _ = b.forward(x2)
        a.backward(Tensor(shape: [1, 4, 4, 2], repeating: 1)); b.backward(Tensor(shape: [1, 3, 2, 2], repeating: 1))
        _ = reference.forward(x1); reference.backward(Tensor(shape: [1, 4, 4, 2], repeating: 1))
        _ = reference.forward(x2); reference.backward(Tensor(shape: [1, 3, 2, 2], repeating: 1))
        assertClose(conv.weight.gradArray, reference.weight.gradArray, atol: 1e-5, rtol: 1e-5)
        XCTAssertNotEqual(conv.weight.gradArray.reduce(0, +), 0)
        }
    }
}
