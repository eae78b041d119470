import XCTest
import Engine
import TestSupport

/// Convolutions sharing one input, run as one (im2col once, output channels side by side).
final class SharedInputConv2DTests: XCTestCase {
    /// Convs over one store; weights (and biases when given) copied in.
    func makeParts(_ g: ConvGeometry, _ specs: [(weight: [Float], bias: [Float])],
                   algorithm: ConvAlgorithm = .im2col) -> ([Conv2D], ParameterStore) {
        let s = ParameterStore(seed: 0)
        s.convAlgorithm = algorithm
        let convs = specs.enumerated().map { i, spec in
            let o = spec.weight.count / g.patch
            let conv = Conv2D(s, name: "c\(i)", inChannels: g.inChannels, outChannels: o, kernel: g.kernel,
                              stride: g.stride, padding: g.padding, bias: !spec.bias.isEmpty)
            conv.weight.values.update(from: spec.weight, count: spec.weight.count)
            if let b = conv.bias { b.values.update(from: spec.bias, count: spec.bias.count) }
            return conv
        }
        return (convs, s)
    }

    /// Hand case, 1×1 conv on one pixel x = (1, 2):
    ///   A: W = [[1, 0], [0, 1]], b = (0.5, −1) → y_A = (1.5, 1);   B: W = [[2, 3]], no bias → y_B = (8).
    /// Backward with dy_A = (1, 1), dy_B = (1): dW_A = [[1, 2], [1, 2]], db_A = (1, 1), dW_B = [[1, 2]],
    /// dx = dy_A·W_A + dy_B·W_B = (1, 1) + (2, 3) = (3, 4).
    func testHandComputed() {
        let g = ConvGeometry(inChannels: 2, outChannels: 1, kernel: 1)
        let (parts, _) = makeParts(g, [([1, 0, 0, 1], [0.5, -1]), ([2, 3], [])])
        let fused = SharedInputConv2D(parts)
        let y = fused.forward(Tensor(shape: [1, 1, 1, 2], data: [1, 2]))
        XCTAssertEqual(y.map(\.shape), [[1, 1, 1, 2], [1, 1, 1, 1]])
        assertClose(y[0].data, [1.5, 1])
        assertClose(y[1].data, [8])
        let dx = fused.backward([Tensor(shape: [1, 1, 1, 2], data: [1, 1]), Tensor(shape: [1, 1, 1, 1], data: [1])])!
        assertClose(dx.data, [3, 4])
        assertClose(parts[0].weight.gradArray, [1, 2, 1, 2])
        assertClose(parts[0].bias!.gradArray, [1, 1])
        assertClose(parts[1].weight.gradArray, [1, 2])
    }

    /// Same outputs and gradients as running the parts one by one (3×3 pad 1 stride 1 and 2, 1×1).
    func testMatchesSeparateConvolutions() {
        for (k, s, p) in [(3, 1, 1), (3, 2, 1), (1, 1, 0)] {
            let g = ConvGeometry(inChannels: 5, outChannels: 1, kernel: k, stride: s, padding: p)
            let specs: [(weight: [Float], bias: [Float])] = [
                (randomTensor([4, k, k, 5], seed: 1).data, randomTensor([4], seed: 2).data),
                (randomTensor([3, k, k, 5], seed: 3).data, []),
                (randomTensor([1, k, k, 5], seed: 4).data, [0.25]),
            ]
            let (fusedParts, _) = makeParts(g, specs), (soloParts, _) = makeParts(g, specs)
            let fused = SharedInputConv2D(fusedParts)
            let x = randomTensor([3, 9, 7, 5], seed: 5)
            let yf = fused.forward(x)
            let ys = soloParts.map { $0.forward(x) }
            let dys = ys.enumerated().map { i, y in randomTensor(y.shape, seed: UInt64(10 + i)) }
            for (a, b) in zip(yf, ys) { XCTAssertEqual(a.shape, b.shape); assertClose(a.data, b.data, atol: 1e-5, rtol: 1e-5, "y k\(k) s\(s)") }
            let dxf = fused.backward(dys)!
            var dxs = soloParts[0].backward(dys[0])!
            for (c, dy) in zip(soloParts.dropFirst(), dys.dropFirst()) { addInPlace(&dxs, c.backward(dy)!) }
            assertClose(dxf.data, dxs.data, atol: 1e-4, rtol: 1e-4, "dx k\(k) s\(s)")
            for (f, c) in zip(fusedParts, soloParts) {
                assertClose(f.weight.gradArray, c.weight.gradArray, atol: 1e-4, rtol: 1e-4, "dW \(f.weight.name)")
                if let fb = f.bias { assertClose(fb.gradArray, c.bias!.gradArray, atol: 1e-4, rtol: 1e-4, "db") }
            }
            XCTAssertNotEqual(fusedParts[1].weight.gradArray.reduce(0, +), 0)
        }
    }

    /// Winograd parts (3×3 stride 1) run one by one through WinogradConv3x3: the same outputs and
    /// gradients as im2col parts run alone, to rounding; dx sums the parts' dx.
    func testWinogradPartsMatchIm2colParts() {
        let g = ConvGeometry(inChannels: 5, outChannels: 1, kernel: 3, stride: 1, padding: 1)
        let specs: [(weight: [Float], bias: [Float])] = [
            (randomTensor([4, 3, 3, 5], seed: 1).data, randomTensor([4], seed: 2).data),
            (randomTensor([3, 3, 3, 5], seed: 3).data, []),
        ]
        let (winoParts, _) = makeParts(g, specs, algorithm: .winograd), (soloParts, _) = makeParts(g, specs)
        XCTAssertEqual(winoParts.map(\.algorithm), [.winograd, .winograd])
        let fused = SharedInputConv2D(winoParts)
        let x = randomTensor([2, 7, 6, 5], seed: 5)
        let yf = fused.forward(x), ys = soloParts.map { $0.forward(x) }
        let dys = ys.enumerated().map { i, y in randomTensor(y.shape, seed: UInt64(10 + i)) }
        for (a, b) in zip(yf, ys) { assertClose(a.data, b.data, atol: 1e-4, rtol: 1e-4, "y") }
        XCTAssertNotEqual(yf[0].data, ys[0].data, "the Winograd parts took the im2col path")
        let dxf = fused.backward(dys)!
        var dxs = soloParts[0].backward(dys[0])!
        addInPlace(&dxs, soloParts[1].backward(dys[1])!)
        assertClose(dxf.data, dxs.data, atol: 1e-4, rtol: 1e-4, "dx")
        for (f, c) in zip(winoParts, soloParts) {
            assertClose(f.weight.gradArray, c.weight.gradArray, atol: 1e-4, rtol: 1e-4, "dW \(f.weight.name)")
            if let fb = f.bias { assertClose(fb.gradArray, c.bias!.gradArray, atol: 1e-4, rtol: 1e-4, "db") }
        }
    }

    /// Central differences of L = Σ_i Σ dy_i·y_i w.r.t. x and every part's W and b.
    func testFiniteDifferences() {
        for (k, s, p) in [(3, 1, 1), (3, 2, 1), (1, 1, 0)] {
            let g = ConvGeometry(inChannels: 3, outChannels: 1, kernel: k, stride: s, padding: p)
            let (parts, _) = makeParts(g, [(randomTensor([2, k, k, 3], seed: 5).data, [0.1, -0.2]),
                                           (randomTensor([1, k, k, 3], seed: 6).data, [])])
            let fused = SharedInputConv2D(parts)
            let x = randomTensor([2, 5, 5, 3], seed: 7)
            let ho = g.outSize(5)
            let dys = [randomTensor([2, ho, ho, 2], seed: 8), randomTensor([2, ho, ho, 1], seed: 9)]
            _ = fused.forward(x)
            let dx = fused.backward(dys)!
            let lossOf = { (x: Tensor) in zip(fused.forward(x, training: false), dys).map { dot($0, $1) }.reduce(0, +) }
            assertClose(dx.data, numericalGradient(of: x, step: 1e-2, lossOf), atol: 2e-3, rtol: 2e-3, "dx k\(k) s\(s)")
            for part in parts {
                let numW = (0..<part.weight.count).map { centralDifference(part.weight.values, $0, step: 1e-2) { lossOf(x) } }
                assertClose(part.weight.gradArray, numW, atol: 2e-3, rtol: 2e-3, "dW \(part.weight.name)")
                if let b = part.bias {
                    let numB = (0..<b.count).map { centralDifference(b.values, $0, step: 1e-2) { lossOf(x) } }
                    assertClose(b.gradArray, numB, atol: 2e-3, rtol: 2e-3, "db")
                }
            }
        }
    }

    /// The float64 numpy conv fixtures (Tests/Fixtures/scripts/make_engine_fixtures.py), with each
    /// case's output channels split into two parts run as one.
    func testMatchesNumpyReferenceSplitIntoParts() throws {
        let root = try XCTUnwrap(loadFixtureJSON("engine/conv2d.json") as? [String: Any])
        let cases = try XCTUnwrap(root["cases"] as? [[String: Any]]).filter { ($0["o"] as! Int) >= 2 }
        XCTAssertGreaterThanOrEqual(cases.count, 3)
        for c in cases {
            let i = { (k: String) in c[k] as! Int }
            let g = ConvGeometry(inChannels: i("c"), outChannels: i("o"), kernel: i("k"), stride: i("stride"), padding: i("padding"))
            let (w, b) = (floats(c["weight"]), floats(c["b"]))
            let o1 = i("o") / 2, split = o1 * g.patch
            let (parts, _) = makeParts(g, [(Array(w[..<split]), b.isEmpty ? [] : Array(b[..<o1])),
                                           (Array(w[split...]), b.isEmpty ? [] : Array(b[o1...]))])
            let fused = SharedInputConv2D(parts)
            let x = Tensor(shape: [i("n"), i("h"), i("w"), i("c")], data: floats(c["x"]))
            let y = fused.forward(x)
            let (yRef, dyRef) = (floats(c["y"]), floats(c["dy"]))
            let o = i("o")
            // Fixture tensors are NHWC with o channels: part 0 owns channels 0..<o1, part 1 the rest.
            func channels(_ v: [Float], _ range: Range<Int>) -> [Float] {
                stride(from: 0, to: v.count, by: o).flatMap { row in range.map { v[row + $0] } }
            }
            assertClose(y[0].data, channels(yRef, 0..<o1), atol: 1e-4, rtol: 1e-4)
            assertClose(y[1].data, channels(yRef, o1..<o), atol: 1e-4, rtol: 1e-4)
            let dx = fused.backward([Tensor(shape: y[0].shape, data: channels(dyRef, 0..<o1)),
                                     Tensor(shape: y[1].shape, data: channels(dyRef, o1..<o))])!
            assertClose(dx.data, floats(c["dx"]), atol: 1e-4, rtol: 1e-4)
            let dW = floats(c["dweight"])
            assertClose(parts[0].weight.gradArray, Array(dW[..<split]), atol: 1e-4, rtol: 1e-4)
            assertClose(parts[1].weight.gradArray, Array(dW[split...]), atol: 1e-4, rtol: 1e-4)
            if !b.isEmpty {
                let db = floats(c["db"])
                assertClose(parts[0].bias!.gradArray + parts[1].bias!.gradArray, db, atol: 1e-4, rtol: 1e-4)
            }
        }
    }

    /// Another level's instance (`init(sharing:)`) uses the same parameters, and gradients of the
    /// two applications accumulate as with separate convolutions applied twice.
    func testSharingKeepsParametersAndAccumulates() {
        let g = ConvGeometry(inChannels: 2, outChannels: 1, kernel: 3, stride: 1, padding: 1)
        let (parts, _) = makeParts(g, [(randomTensor([2, 3, 3, 2], seed: 1).data, []), (randomTensor([1, 3, 3, 2], seed: 2).data, [])])
        let level0 = SharedInputConv2D(parts), level1 = SharedInputConv2D(sharing: level0)
        XCTAssertTrue(level1.parts[0].weight.values == parts[0].weight.values)
        let x1 = randomTensor([1, 4, 4, 2], seed: 3), x2 = randomTensor([1, 2, 2, 2], seed: 4)
        _ = level0.forward(x1); _ = level1.forward(x2)
        level0.backward([Tensor(shape: [1, 4, 4, 2], repeating: 1), Tensor(shape: [1, 4, 4, 1], repeating: 1)])
        level1.backward([Tensor(shape: [1, 2, 2, 2], repeating: 1), Tensor(shape: [1, 2, 2, 1], repeating: 1)])
        let (solo, _) = makeParts(g, [(randomTensor([2, 3, 3, 2], seed: 1).data, []), (randomTensor([1, 3, 3, 2], seed: 2).data, [])])
        for (x, side) in [(x1, 4), (x2, 2)] {
            for (c, o) in zip(solo, [2, 1]) { _ = c.forward(x); c.backward(Tensor(shape: [1, side, side, o], repeating: 1)) }
        }
        assertClose(parts[0].weight.gradArray, solo[0].weight.gradArray, atol: 1e-5, rtol: 1e-5)
        assertClose(parts[1].weight.gradArray, solo[1].weight.gradArray, atol: 1e-5, rtol: 1e-5)
    }
}
