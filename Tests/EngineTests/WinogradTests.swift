import XCTest
import Engine
import TestSupport

/// WinogradConv3x3 (F(2×2, 3×3)) against a hand case, finite differences, the naive loop and
/// Conv2D's im2col path, and the float64 numpy fixture.
final class WinogradTests: XCTestCase {
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
    func testHandComputed() {
        var w = [Float](repeating: 0, count: 9); w[0] = 1
        let conv = makeConv(c: 1, o: 1, weight: w, bias: [0.5])
        let wino = WinogradConv3x3(sharing: conv)
        let y = wino.forward(Tensor(shape: [1, 3, 3, 1], data: [1, 2, 3, 4, 5, 6, 7, 8, 9]))
        assertClose(y.data, [0.5, 0.5, 0.5, 0.5, 1.5, 2.5, 0.5, 4.5, 5.5], atol: 1e-6, rtol: 0)
        let dx = wino.backward(Tensor(shape: [1, 3, 3, 1], repeating: 1))!
        assertClose(dx.data, [1, 1, 0, 1, 1, 0, 0, 0, 0], atol: 1e-6, rtol: 0)
        let dw = conv.weight.gradArray
        assertClose([dw[0], dw[1], dw[4], dw[8]], [12, 21, 45, 28], atol: 1e-5, rtol: 0)
        assertClose(conv.bias!.grads[0], 9)
    }

    /// Forward against the naive loop, and forward + backward against Conv2D's im2col path, on
    /// odd and even sides, one and several channels.
    func testMatchesNaiveAndIm2col() {
        var seed: UInt64 = 40
        for (h, w) in [(1, 1), (2, 3), (5, 6), (7, 7), (8, 4)] {
            for (c, o) in [(1, 1), (3, 5), (8, 4)] {
                seed += 1
                let wt = randomTensor([o, 3, 3, c], seed: seed).data, b = randomTensor([o], seed: seed + 100).data
                let reference = makeConv(c: c, o: o, weight: wt, bias: b)
                let conv = makeConv(c: c, o: o, weight: wt, bias: b), wino = WinogradConv3x3(sharing: conv)
                let x = randomTensor([2, h, w, c], seed: seed + 200), dy = randomTensor([2, h, w, o], seed: seed + 300)
                let name = "h\(h) w\(w) c\(c) o\(o)"
                let y = wino.forward(x)
                assertClose(y.data, referenceConv2D(x: x, weight: wt, bias: b, reference.geometry).data, atol: 1e-4, rtol: 1e-4, "naive " + name)
                assertClose(y.data, reference.forward(x).data, atol: 1e-4, rtol: 1e-4, "im2col " + name)
                let dx = wino.backward(dy)!, dxRef = reference.backward(dy)!
                assertClose(dx.data, dxRef.data, atol: 1e-4, rtol: 1e-4, "dx " + name)
                assertClose(conv.weight.gradArray, reference.weight.gradArray, atol: 1e-4, rtol: 1e-4, "dW " + name)
                assertClose(conv.bias!.gradArray, reference.bias!.gradArray, atol: 1e-4, rtol: 1e-4, "db " + name)
            }
        }
    }

    /// Central differences of L = Σ dy·conv(x) w.r.t. x, W and b.
    func testFiniteDifferences() {
        for (h, w) in [(5, 5), (4, 3)] {
            let conv = makeConv(c: 3, o: 2, weight: randomTensor([2, 3, 3, 3], seed: 5).data, bias: [0.1, -0.2])
            let wino = WinogradConv3x3(sharing: conv)
            let x = randomTensor([2, h, w, 3], seed: 6), dy = randomTensor([2, h, w, 2], seed: 7)
            _ = wino.forward(x)
            let dx = wino.backward(dy)!
            let loss = { dot(wino.forward(x, training: false), dy) }
            let numeric = numericalGradient(of: x, step: 1e-2) { dot(wino.forward($0, training: false), dy) }
            assertClose(dx.data, numeric, atol: 2e-3, rtol: 2e-3, "dx \(h)×\(w)")
            let numW = (0..<conv.weight.count).map { centralDifference(conv.weight.values, $0, step: 1e-2, loss: loss) }
            assertClose(conv.weight.gradArray, numW, atol: 2e-3, rtol: 2e-3, "dW \(h)×\(w)")
            let numB = (0..<2).map { centralDifference(conv.bias!.values, $0, step: 1e-2, loss: loss) }
            assertClose(conv.bias!.gradArray, numB, atol: 2e-3, rtol: 2e-3, "db \(h)×\(w)")
        }
    }

    /// The float64 numpy reference (Tests/Fixtures/scripts/make_engine_fixtures.py): its 3×3
    /// stride-1 pad-1 case (2 images 5×6, 3 → 4 channels, bias).
    func testMatchesNumpyReference() throws {
        let root = try XCTUnwrap(loadFixtureJSON("engine/conv2d.json") as? [String: Any])
        let cases = try XCTUnwrap(root["cases"] as? [[String: Any]]).filter {
            $0["k"] as? Int == 3 && $0["stride"] as? Int == 1 && $0["padding"] as? Int == 1
        }
        XCTAssertEqual(cases.count, 1)
        for c in cases {
            let i = { (k: String) in c[k] as! Int }
            let conv = makeConv(c: i("c"), o: i("o"), weight: floats(c["weight"]), bias: floats(c["b"]))
            let wino = WinogradConv3x3(sharing: conv)
            let y = wino.forward(Tensor(shape: [i("n"), i("h"), i("w"), i("c")], data: floats(c["x"])))
            assertClose(y.data, floats(c["y"]), atol: 1e-4, rtol: 1e-4)
            let dx = wino.backward(Tensor(shape: y.shape, data: floats(c["dy"])))!
            assertClose(dx.data, floats(c["dx"]), atol: 1e-4, rtol: 1e-4)
            assertClose(conv.weight.gradArray, floats(c["dweight"]), atol: 1e-4, rtol: 1e-4)
            assertClose(conv.bias!.gradArray, floats(c["db"]), atol: 1e-4, rtol: 1e-4)
        }
    }

    /// Two applications of one weight (pyramid levels) accumulate as two backward passes of Conv2D.
    func testSharedApplicationsAccumulate() {
        let wt = randomTensor([2, 3, 3, 2], seed: 1).data
        let conv = makeConv(c: 2, o: 2, weight: wt, bias: []), reference = makeConv(c: 2, o: 2, weight: wt, bias: [])
        let a = WinogradConv3x3(sharing: conv), b = WinogradConv3x3(sharing: conv)
        let x1 = randomTensor([1, 4, 4, 2], seed: 2), x2 = randomTensor([1, 3, 2, 2], seed: 3)
        _ = a.forward(x1); _ = b.forward(x2)
        a.backward(Tensor(shape: [1, 4, 4, 2], repeating: 1)); b.backward(Tensor(shape: [1, 3, 2, 2], repeating: 1))
        _ = reference.forward(x1); reference.backward(Tensor(shape: [1, 4, 4, 2], repeating: 1))
        _ = reference.forward(x2); reference.backward(Tensor(shape: [1, 3, 2, 2], repeating: 1))
        assertClose(conv.weight.gradArray, reference.weight.gradArray, atol: 1e-5, rtol: 1e-5)
        XCTAssertNotEqual(conv.weight.gradArray.reduce(0, +), 0)
    }
}
