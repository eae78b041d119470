import XCTest
import Engine
import TestSupport

final class GroupNormTests: XCTestCase {
    /// Hand case: x = [1,2,3,4] as [1,1,2,2] (positions p0=(1,2), p1=(3,4)), one group, γ=1, β=0.
    /// mean 2.5, var 1.25, rstd = 1/√1.25 = 0.894427 → y = (x−2.5)·rstd = [−1.341641, −0.447214, 0.447214, 1.341641].
    /// dy = [1,0,0,0]: dβ = [1,0], dγ = [x̂₀, 0] = [−1.341641, 0];
    /// dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with mean(dx̂)=.25, mean(dx̂·x̂)=−0.335410
    ///    = [0.268328, −0.357771, −0.089443, 0.178885].
    func testHandComputed() {
        let s = ParameterStore(seed: 0)
        let gn = GroupNorm(s, name: "gn", channels: 2, groups: 1)
        let y = gn.forward(Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4]))
        assertClose(y.data, [-1.341641, -0.447214, 0.447214, 1.341641], atol: 1e-5)
        let dx = gn.backward(Tensor(shape: [1, 1, 2, 2], data: [1, 0, 0, 0]))
        assertClose(dx.data, [0.268328, -0.357771, -0.089443, 0.178885], atol: 1e-5)
        assertClose([gn.gamma.grads[0], gn.gamma.grads[1]], [-1.341641, 0], atol: 1e-5)
        assertClose([gn.beta.grads[0], gn.beta.grads[1]], [1, 0])
    }

    func testFiniteDifferences() {
        let s = ParameterStore(seed: 0)
        let gn = GroupNorm(s, name: "gn", channels: 6, groups: 3)
        for i in 0..<6 { gn.gamma.values[i] = 0.5 + Float(i) * 0.2; gn.beta.values[i] = Float(i) * 0.1 - 0.3 }
        let x = randomTensor([2, 3, 2, 6], seed: 11, scale: 2)
        let dy = randomTensor(x.shape, seed: 12)
        _ = gn.forward(x)
        let dx = gn.backward(dy)
        let loss = { dot(gn.forward(x, training: false), dy) }
        let num = numericalGradient(of: x, step: 1e-2) { dot(gn.forward($0, training: false), dy) }
        assertClose(dx.data, num, atol: 3e-3, rtol: 3e-3, "dx")
        let numG = (0..<6).map { centralDifference(gn.gamma.values, $0, step: 1e-2, loss: loss) }
        let numB = (0..<6).map { centralDifference(gn.beta.values, $0, step: 1e-2, loss: loss) }
        assertClose(gn.gamma.gradArray, numG, atol: 3e-3, rtol: 3e-3, "dgamma")
        assertClose(gn.beta.gradArray, numB, atol: 3e-3, rtol: 3e-3, "dbeta")
    }

    func testMatchesNumpyReference() throws {
        let root = try XCTUnwrap(loadFixtureJSON("engine/groupnorm.json") as? [String: Any])
        let cases = try XCTUnwrap(root["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let i = { (k: String) in c[k] as! Int }
            let s = ParameterStore(seed: 0)
            let gn = GroupNorm(s, name: "gn", channels: i("c"), groups: i("groups"))
            gn.gamma.values.update(from: floats(c["gamma"]), count: i("c"))
            gn.beta.values.update(from: floats(c["beta"]), count: i("c"))
            let y = gn.forward(Tensor(shape: [i("n"), i("h"), i("w"), i("c")], data: floats(c["x"])))
            assertClose(y.data, floats(c["y"]), atol: 1e-5, rtol: 1e-4)
            let dx = gn.backward(Tensor(shape: y.shape, data: floats(c["dy"])))
            assertClose(dx.data, floats(c["dx"]), atol: 1e-4, rtol: 1e-4)
            assertClose(gn.gamma.gradArray, floats(c["dgamma"]), atol: 1e-4, rtol: 1e-4)
            assertClose(gn.beta.gradArray, floats(c["dbeta"]), atol: 1e-4, rtol: 1e-4)
        }
    }

    /// A constant group has zero variance: the output is β and nothing is NaN.
    /// Statistics come from one pass (Σx, Σx² in Double): with a large offset (mean 1000, std ~1,
    /// 4096 values per group) the normalised output still matches a two-pass Double reference.
    func testLargeMeanOffsetKeepsPrecision() {
        let s = ParameterStore(seed: 0)
        let gn = GroupNorm(s, name: "gn", channels: 8, groups: 2)
        var x = randomTensor([2, 32, 32, 8], seed: 11)
        for i in 0..<x.count { x.data[i] += 1000 }
        let y = gn.forward(x, training: false)
        var want = [Double](repeating: 0, count: x.count)
        for b in 0..<2 { for g in 0..<2 {
            let idx = (0..<1024).flatMap { p in (g * 4..<(g + 1) * 4).map { (b * 1024 + p) * 8 + $0 } }
            let mean = idx.reduce(0.0) { $0 + Double(x.data[$1]) } / Double(idx.count)
            let variance = idx.reduce(0.0) { $0 + (Double(x.data[$1]) - mean) * (Double(x.data[$1]) - mean) } / Double(idx.count)
            for i in idx { want[i] = (Double(x.data[i]) - mean) / (variance + 1e-5).squareRoot() }
        } }
        assertClose(y.data, want, atol: 2e-4, rtol: 1e-4)
    }

    func testConstantInputIsFinite() {
        let s = ParameterStore(seed: 0)
        let gn = GroupNorm(s, name: "gn", channels: 4, groups: 2)
        let y = gn.forward(Tensor(shape: [1, 2, 2, 4], repeating: 3))
        XCTAssertTrue(y.data.allSatisfy { $0 == 0 })
        let dx = gn.backward(Tensor(shape: [1, 2, 2, 4], repeating: 1))
        XCTAssertTrue(dx.data.allSatisfy { $0.isFinite })
    }
}

final class GroupNormReLUTests: XCTestCase {
    /// The fused layer equals GroupNorm followed by ReLU, forward and backward (reference: the
    /// two separate layers), including parameter gradients.
    func testFusedEqualsSeparateLayers() {
        let x = randomTensor([2, 3, 4, 8], seed: 21, scale: 2), dy = randomTensor([2, 3, 4, 8], seed: 22)
        let s1 = ParameterStore(seed: 0), s2 = ParameterStore(seed: 0)
        let fused = GroupNorm(s1, name: "gn", channels: 8, groups: 4, relu: true)
        let plain = GroupNorm(s2, name: "gn", channels: 8, groups: 4), relu = ReLU()
        for i in 0..<8 {
            for g in [fused, plain] { g.gamma.values[i] = 0.6 + Float(i) * 0.15; g.beta.values[i] = Float(i) * 0.2 - 0.7 }
        }
        let yf = fused.forward(x), yp = relu.forward(plain.forward(x))
        XCTAssertEqual(yf.data, yp.data)
        XCTAssertTrue(yf.data.contains(0) && yf.data.contains { $0 > 0 }, "the case must exercise both sides of the ReLU")
        let dxf = fused.backward(dy), dxp = plain.backward(relu.backward(dy))
        assertClose(dxf.data, dxp.data, atol: 1e-6, rtol: 1e-5)
        assertClose(fused.gamma.gradArray, plain.gamma.gradArray, atol: 1e-6, rtol: 1e-5)
        assertClose(fused.beta.gradArray, plain.beta.gradArray, atol: 1e-6, rtol: 1e-5)
    }

    /// Finite differences through the fused layer (inputs chosen away from the kink).
    func testFusedFiniteDifferences() {
        let s = ParameterStore(seed: 0)
        let gn = GroupNorm(s, name: "gn", channels: 4, groups: 2, relu: true)
        for i in 0..<4 { gn.beta.values[i] = 0.3 * Float(i) - 0.4 }
        let x = randomTensor([1, 3, 3, 4], seed: 23), dy = randomTensor([1, 3, 3, 4], seed: 24)
        _ = gn.forward(x)
        let dx = gn.backward(dy)
        let num = numericalGradient(of: x, step: 1e-3) { dot(gn.forward($0, training: false), dy) }
        assertClose(dx.data, num, atol: 3e-3, rtol: 3e-3)
    }
}
