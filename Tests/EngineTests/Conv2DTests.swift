import XCTest
import Engine
import TestSupport

final class Conv2DTests: XCTestCase {
    /// Copies weights/bias into a conv's parameters.
    func makeConv(_ g: ConvGeometry, weight: [Float], bias: [Float]) -> (Conv2D, ParameterStore) {
        let s = ParameterStore(seed: 0)
        let conv = Conv2D(s, name: "c", inChannels: g.inChannels, outChannels: g.outChannels, kernel: g.kernel,
                          stride: g.stride, padding: g.padding, bias: !bias.isEmpty)
        conv.weight.values.update(from: weight, count: weight.count)
        if let b = conv.bias { b.values.update(from: bias, count: bias.count) }
        return (conv, s)
    }

    /// Hand case: 1 image 3×3×1, kernel 2×2 of ones, stride 1, no padding, bias 0.5.
    /// y[0,0] = 1+2+4+5 + .5 = 12.5, y[0,1] = 2+3+5+6 + .5 = 16.5, y[1,0] = 4+5+7+8 + .5 = 24.5, y[1,1] = 28.5.
    /// With dy = 1: dW[kh,kw] = Σ of the 2×2 windows' entries = (1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9) = 12,16,24,28;
    /// db = 4; dx = how many windows cover each pixel = [1,2,1, 2,4,2, 1,2,1].
    func testHandComputed() {
        let g = ConvGeometry(inChannels: 1, outChannels: 1, kernel: 2, stride: 1, padding: 0)
        let (conv, _) = makeConv(g, weight: [1, 1, 1, 1], bias: [0.5])
        let x = Tensor(shape: [1, 3, 3, 1], data: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let y = conv.forward(x)
        XCTAssertEqual(y.shape, [1, 2, 2, 1])
        assertClose(y.data, [12.5, 16.5, 24.5, 28.5])
        let dx = conv.backward(Tensor(shape: [1, 2, 2, 1], repeating: 1))!
        assertClose(dx.data, [1, 2, 1, 2, 4, 2, 1, 2, 1])
        assertClose(conv.weight.gradArray, [12, 16, 24, 28])
        assertClose(conv.bias!.grads[0], 4)
    }

    /// The sgemm path must agree with the naive direct loop on many geometries.
    func testFastPathMatchesNaiveReference() {
        var seed: UInt64 = 1
        for (k, s, p) in [(1, 1, 0), (1, 2, 0), (3, 1, 1), (3, 2, 1), (3, 1, 0), (5, 2, 2), (2, 2, 0)] {
            for (c, o) in [(1, 1), (3, 5), (8, 4)] {
                seed += 1
                let g = ConvGeometry(inChannels: c, outChannels: o, kernel: k, stride: s, padding: p)
                let w = randomTensor([o, k, k, c], seed: seed).data, b = randomTensor([o], seed: seed + 100).data
                let (conv, _) = makeConv(g, weight: w, bias: b)
                let x = randomTensor([2, 7, 6, c], seed: seed + 200)
                let fast = conv.forward(x, training: false)
                let ref = referenceConv2D(x: x, weight: w, bias: b, g)
                XCTAssertEqual(fast.shape, ref.shape)
                assertClose(fast.data, ref.data, atol: 1e-4, rtol: 1e-4, "k\(k) s\(s) p\(p) c\(c) o\(o)")
            }
        }
    }

    /// Central differences of L = Σ dy·conv(x) w.r.t. x, W and b.
    func testFiniteDifferences() {
        for (k, s, p) in [(3, 1, 1), (3, 2, 1), (1, 1, 0), (1, 2, 0)] {
            let g = ConvGeometry(inChannels: 3, outChannels: 2, kernel: k, stride: s, padding: p)
            let (conv, _) = makeConv(g, weight: randomTensor([2, k, k, 3], seed: 5).data, bias: [0.1, -0.2])
            let x = randomTensor([2, 5, 5, 3], seed: 6)
            let dy = randomTensor([2, g.outSize(5), g.outSize(5), 2], seed: 7)
            _ = conv.forward(x)
            let dx = conv.backward(dy)!
            let loss = { dot(conv.forward(x, training: false), dy) }
            let numeric = numericalGradient(of: x, step: 1e-2) { dot(conv.forward($0, training: false), dy) }
            assertClose(dx.data, numeric, atol: 2e-3, rtol: 2e-3, "dx k\(k) s\(s)")
            var numW: [Double] = []
            for i in 0..<conv.weight.count { numW.append(centralDifference(conv.weight.values, i, step: 1e-2, loss: loss)) }
            assertClose(conv.weight.gradArray, numW, atol: 2e-3, rtol: 2e-3, "dW")
            let numB = (0..<2).map { centralDifference(conv.bias!.values, $0, step: 1e-2, loss: loss) }
            assertClose([conv.bias!.grads[0], conv.bias!.grads[1]], numB, atol: 2e-3, rtol: 2e-3, "db")
        }
    }

    /// Agreement with the float64 numpy reference (Tests/Fixtures/scripts/make_engine_fixtures.py).
    func testMatchesNumpyReference() throws {
        let root = try XCTUnwrap(loadFixtureJSON("engine/conv2d.json") as? [String: Any])
        let cases = try XCTUnwrap(root["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            let i = { (k: String) in c[k] as! Int }
            let g = ConvGeometry(inChannels: i("c"), outChannels: i("o"), kernel: i("k"), stride: i("stride"), padding: i("padding"))
            let (conv, _) = makeConv(g, weight: floats(c["weight"]), bias: floats(c["b"]))
            let x = Tensor(shape: [i("n"), i("h"), i("w"), i("c")], data: floats(c["x"]))
            let y = conv.forward(x)
            assertClose(y.data, floats(c["y"]), atol: 1e-4, rtol: 1e-4)
            let dx = conv.backward(Tensor(shape: y.shape, data: floats(c["dy"])))!
            assertClose(dx.data, floats(c["dx"]), atol: 1e-4, rtol: 1e-4)
            assertClose(conv.weight.gradArray, floats(c["dweight"]), atol: 1e-4, rtol: 1e-4)
            if let b = conv.bias { assertClose(b.gradArray, floats(c["db"]), atol: 1e-4, rtol: 1e-4) }
        }
    }

    /// Backward twice accumulates parameter gradients (needed for shared head weights).
    func testGradientsAccumulateAcrossSharedApplications() {
        let g = ConvGeometry(inChannels: 2, outChannels: 2, kernel: 3, stride: 1, padding: 1)
        let (conv, _) = makeConv(g, weight: randomTensor([2, 3, 3, 2], seed: 1).data, bias: [])
        let shared = Conv2D(sharing: conv)
        let x1 = randomTensor([1, 4, 4, 2], seed: 2), x2 = randomTensor([1, 2, 2, 2], seed: 3)
        _ = conv.forward(x1); _ = shared.forward(x2)
        conv.backward(Tensor(shape: [1, 4, 4, 2], repeating: 1)); shared.backward(Tensor(shape: [1, 2, 2, 2], repeating: 1))
        let both = conv.weight.gradArray
        let (solo, _) = makeConv(g, weight: randomTensor([2, 3, 3, 2], seed: 1).data, bias: [])
        _ = solo.forward(x1); solo.backward(Tensor(shape: [1, 4, 4, 2], repeating: 1))
        _ = solo.forward(x2); solo.backward(Tensor(shape: [1, 2, 2, 2], repeating: 1))
        assertClose(both, solo.weight.gradArray, atol: 1e-5, rtol: 1e-5)
        XCTAssertNotEqual(both.reduce(0, +), 0)
    }

    /// OpenBLAS must overwrite C when beta = 0, even if C holds NaN (forward relies on it).
    func testSgemmBetaZeroIgnoresGarbage() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: .nan, count: 4)
        sgemm(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
    }
}
