import XCTest
import Engine
import TestSupport

final class PointwiseTests: XCTestCase {
    /// ReLU: y = [0, 0, 2], dx = dy · [y > 0] = [0, 0, 5] for dy = [3, 4, 5].
    func testReLUHandComputed() {
        let r = ReLU()
        XCTAssertEqual(r.forward(Tensor(shape: [3], data: [-1, 0, 2])).data, [0, 0, 2])
        XCTAssertEqual(r.backward(Tensor(shape: [3], data: [3, 4, 5])).data, [0, 0, 5])
    }

    /// MaxPool 2×2/2 of [[1,5],[3,2]] = 5; its gradient lands on the 5 only.
    /// Upsample of [a] is [[a,a],[a,a]]; backward sums the four: 1+2+3+4 = 10.
    func testPoolAndUpsampleHandComputed() {
        let mp = MaxPool2D(kernel: 2, stride: 2)
        XCTAssertEqual(mp.forward(Tensor(shape: [1, 2, 2, 1], data: [1, 5, 3, 2])).data, [5])
        XCTAssertEqual(mp.backward(Tensor(shape: [1, 1, 1, 1], data: [7])).data, [0, 7, 0, 0])
        XCTAssertEqual(Upsample2x.forward(Tensor(shape: [1, 1, 1, 1], data: [4])).data, [4, 4, 4, 4])
        XCTAssertEqual(Upsample2x.backward(Tensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4])).data, [10])
    }

    func testFiniteDifferences() {
        // Inputs spaced ≥ 0.02 apart and away from 0 so the step (1e-3) never crosses a kink.
        let x = Tensor(shape: [1, 4, 5, 2], data: (0..<40).map { Float(($0 * 17) % 40) * 0.05 - 0.975 })
        let mp = MaxPool2D(kernel: 3, stride: 2, padding: 1), relu = ReLU()
        for (name, f, b) in [("maxpool", { (t: Tensor, tr: Bool) in mp.forward(t, training: tr) }, { mp.backward($0) }),
                             ("relu", { (t: Tensor, tr: Bool) in relu.forward(t, training: tr) }, { relu.backward($0) }),
                             ("upsample", { (t: Tensor, _: Bool) in Upsample2x.forward(t) }, { Upsample2x.backward($0) })]
            as [(String, (Tensor, Bool) -> Tensor, (Tensor) -> Tensor)] {
            let y = f(x, true)
            let dy = randomTensor(y.shape, seed: 3)
            let dx = b(dy)
            let num = numericalGradient(of: x, step: 1e-3) { dot(f($0, false), dy) }
            assertClose(dx.data, num, atol: 2e-3, rtol: 2e-3, name)
        }
    }

    func testMatchesNumpyReference() throws {
        let root = try XCTUnwrap(loadFixtureJSON("engine/pointwise.json") as? [String: Any])
        let r = try XCTUnwrap(root["relu"] as? [String: Any])
        let relu = ReLU()
        assertClose(relu.forward(Tensor(shape: ints(r["shape"]), data: floats(r["x"]))).data, floats(r["y"]))
        assertClose(relu.backward(Tensor(shape: ints(r["shape"]), data: floats(r["dy"]))).data, floats(r["dx"]), atol: 1e-5)
        let pools = try XCTUnwrap(root["maxpool"] as? [[String: Any]])
        XCTAssertEqual(pools.count, 3)
        for p in pools {
            let mp = MaxPool2D(kernel: p["kernel"] as! Int, stride: p["stride"] as! Int, padding: p["padding"] as! Int)
            let y = mp.forward(Tensor(shape: ints(p["shape"]), data: floats(p["x"])))
            assertClose(y.data, floats(p["y"]))
            assertClose(mp.backward(Tensor(shape: y.shape, data: floats(p["dy"]))).data, floats(p["dx"]), atol: 1e-5)
        }
        let u = try XCTUnwrap(root["upsample"] as? [String: Any])
        let y = Upsample2x.forward(Tensor(shape: ints(u["shape"]), data: floats(u["x"])))
        assertClose(y.data, floats(u["y"]))
        assertClose(Upsample2x.backward(Tensor(shape: y.shape, data: floats(u["dy"]))).data, floats(u["dx"]), atol: 1e-5)
    }
}

final class AddReLUTests: XCTestCase {
    /// y = max(a + b, 0): [1+(−3), 2+1, −1+0.5] = [0, 3, 0]; dy = [5, 6, 7] → da = db = [0, 6, 0].
    func testHandComputedAndEqualsAddThenReLU() {
        let layer = AddReLU()
        var a = Tensor(shape: [3], data: [1, 2, -1])
        XCTAssertEqual(layer.forward(&a, Tensor(shape: [3], data: [-3, 1, 0.5])).data, [0, 3, 0])
        XCTAssertEqual(layer.backward(Tensor(shape: [3], data: [5, 6, 7])).data, [0, 6, 0])
        // Reference: add, then ReLU as two layers.
        let x = randomTensor([2, 3, 3, 4], seed: 31), z = randomTensor([2, 3, 3, 4], seed: 32), dy = randomTensor([2, 3, 3, 4], seed: 33)
        var xx = x
        let fused = AddReLU(), relu = ReLU()
        XCTAssertEqual(fused.forward(&xx, z).data, relu.forward(add(x, z)).data)
        XCTAssertEqual(fused.backward(dy).data, relu.backward(dy).data)
    }
}
