import Detection
import TestSupport
import XCTest

final class DeltaXYWHCoderTests: XCTestCase {
    // 1. Hand-computed cases.

    func testDecodeByHand() {
        // anchor (0,0,10,20): px = 5, py = 10, pw = 10, ph = 20.
        // δ = (1, −1, 0, 0): dx' = 0.1 → gx = 5 + 10·0.1 = 6; dy' = −0.1 → gy = 10 − 20·0.1 = 8;
        // gw = 10·e^0 = 10, gh = 20 → box (6−5, 8−10, 6+5, 8+10) = (1, −2, 11, 18).
        let anchor = BoxXYXY(x1: 0, y1: 0, x2: 10, y2: 20)
        let box = DeltaXYWHCoder.decode(anchor: anchor, delta: BoxDelta(dx: 1, dy: -1, dw: 0, dh: 0))
        assertClose(box.array, [1, -2, 11, 18], atol: 1e-6)
        // dw = 5·ln 2: 0.2·dw = ln 2 → gw = 20 → x1 = 5 − 10 = −5, x2 = 15 (rounding of ln 2 in Float).
        let wide = DeltaXYWHCoder.decode(anchor: anchor, delta: BoxDelta(dx: 0, dy: 0, dw: 5 * 0.6931472, dh: 0))
        assertClose(wide.array, [-5, 0, 15, 20], atol: 1e-5)
        // Clip to W = 12, H = 15: (1, −2, 11, 18) → (1, 0, 11, 15).
        let clipped = DeltaXYWHCoder.decode(anchor: anchor, delta: BoxDelta(dx: 1, dy: -1, dw: 0, dh: 0),
                                            clipTo: (width: 12, height: 15))
        assertClose(clipped.array, [1, 0, 11, 15], atol: 1e-6)
    }

    func testLogRatioClampByHand() {
        // dw = 30: 0.2·30 = 6 > M = 4.135 → gw = pw·e^M = pw·1000/16 = 62.5·pw; the gradient is 0.
        let anchor = BoxXYXY(x1: 0, y1: 0, x2: 2, y2: 2)
        let delta = BoxDelta(dx: 0, dy: 0, dw: 30, dh: -30)
        let box = DeltaXYWHCoder.decode(anchor: anchor, delta: delta)
        assertClose(box.width, 125, rtol: 1e-5)      // 62.5·2
        assertClose(box.height, 0.032, rtol: 1e-5)   // 2·16/1000
        let g = DeltaXYWHCoder.decodeBackward(anchor: anchor, delta: delta, dBox: BoxXYXY(x1: 1, y1: 1, x2: 1, y2: 1))
        XCTAssertEqual(g.dw, 0)
        XCTAssertEqual(g.dh, 0)
    }

    func testBackwardByHand() {
        // anchor (0,0,10,20), δ = (1,−1,0,0) → gw = 10, gh = 20 (see above). dBox = (1, 0, 0, 0):
        // ∂/∂gx = 1, ∂/∂gw = −0.5 → ∂/∂dx = 1·pw·0.1 = 1, ∂/∂dw = −0.5·gw·0.2 = −1; y untouched.
        let anchor = BoxXYXY(x1: 0, y1: 0, x2: 10, y2: 20)
        let delta = BoxDelta(dx: 1, dy: -1, dw: 0, dh: 0)
        let g = DeltaXYWHCoder.decodeBackward(anchor: anchor, delta: delta, dBox: BoxXYXY(x1: 1, y1: 0, x2: 0, y2: 0))
        assertClose(g.array, [1, 0, -1, 0], atol: 1e-6)
        // Clipped to H = 15: y2 = 18 > 15 is cut, so a gradient on y2 is dropped; y1 = −2 < 0 too.
        let c = DeltaXYWHCoder.decodeBackward(anchor: anchor, delta: delta, dBox: BoxXYXY(x1: 0, y1: 1, x2: 0, y2: 1),
                                              clipTo: (width: 12, height: 15))
        XCTAssertEqual(c.array, [0, 0, 0, 0])
    }

    func testClampBoundsPassGradientLikeTorch() {
        // torch.clamp passes the gradient when min ≤ x ≤ max, bounds included.
        // Image clip: anchor (0,0,10,10), δ = 0 → x1 = 0 exactly, on the lower clip bound.
        let anchor = BoxXYXY(x1: 0, y1: 0, x2: 10, y2: 10)
        let g = DeltaXYWHCoder.decodeBackward(anchor: anchor, delta: .zero, dBox: BoxXYXY(x1: 1, y1: 0, x2: 0, y2: 0),
                                              clipTo: (width: 10, height: 10))
        XCTAssertEqual(g.dx, 1)   // 1·pw·0.1
        // Log-ratio clamp: find dw with Float(0.2)·dw == Float(M) exactly; the gradient must pass.
        let m = Float(DeltaXYWHCoder.maxLogRatio)
        var dw = m / 0.2
        for _ in 0..<8 where Float(0.2) * dw != m { dw = Float(0.2) * dw < m ? dw.nextUp : dw.nextDown }
        guard Float(0.2) * dw == m else { return XCTFail("no Float dw lands exactly on the clamp bound") }
        let onBound = DeltaXYWHCoder.decodeBackward(anchor: anchor, delta: BoxDelta(dx: 0, dy: 0, dw: dw, dh: 0),
                                                    dBox: BoxXYXY(x1: 0, y1: 0, x2: 1, y2: 0))
        XCTAssertGreaterThan(onBound.dw, 0)
        let beyond = DeltaXYWHCoder.decodeBackward(anchor: anchor, delta: BoxDelta(dx: 0, dy: 0, dw: dw.nextUp.nextUp, dh: 0),
                                                   dBox: BoxXYXY(x1: 0, y1: 0, x2: 1, y2: 0))
        XCTAssertEqual(beyond.dw, 0)
    }

    // 2. Central finite differences (Double instantiation of the same generic code).

    func testBackwardMatchesFiniteDifferences() throws {
        let fixture = try loadFixture(BoxCoderFixture.self, "detection/box_coder.json", kind: "box_coder")
        for c in fixture.cases {
            let anchor = XYXYBox<Double>(c.anchor), dBox = XYXYBox<Double>(c.d_box)
            let clip = c.clip.map { (width: $0[0], height: $0[1]) }
            let analytic = DeltaXYWHCoder.decodeBackward(anchor: anchor, delta: DeltaXYWH<Double>(c.delta), dBox: dBox, clipTo: clip)
            let numeric = numericGradient(c.delta) { d in
                let b = DeltaXYWHCoder.decode(anchor: anchor, delta: DeltaXYWH(d), clipTo: clip)
                return zip(b.array, dBox.array).map(*).reduce(0, +)
            }
            // FD error ≲ ε·|f|/h ≈ 2e-16·300/1e-6 ≈ 6e-8.
            assertClose(analytic.array, numeric, atol: 1e-6, rtol: 1e-6)
        }
    }

    // 3. Agreement with the independent numpy reference.

    func testMatchesNumpyReference() throws {
        let fixture = try loadFixture(BoxCoderFixture.self, "detection/box_coder.json", kind: "box_coder")
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 40)
        for (i, c) in fixture.cases.enumerated() {
            let clipD = c.clip.map { (width: $0[0], height: $0[1]) }
            let clipF = c.clip.map { (width: Float($0[0]), height: Float($0[1])) }
            // Double: same arithmetic as numpy float64.
            let boxD = DeltaXYWHCoder.decode(anchor: XYXYBox<Double>(c.anchor), delta: DeltaXYWH<Double>(c.delta), clipTo: clipD)
            assertClose(boxD.array, c.box, atol: 1e-9, rtol: 1e-12, "case \(i)")
            let gradD = DeltaXYWHCoder.decodeBackward(anchor: XYXYBox<Double>(c.anchor), delta: DeltaXYWH<Double>(c.delta),
                                                      dBox: XYXYBox<Double>(c.d_box), clipTo: clipD)
            assertClose(gradD.array, c.d_delta, atol: 1e-6, rtol: 1e-6, "case \(i)")
            // Float (training precision): coordinates ≲ 300 px after ~6 rounded operations give
            // |error| ≲ 6·6e-8·300 ≈ 1e-4; the delta gradients scale like pw·|d_box| ≲ 150.
            let boxF = DeltaXYWHCoder.decode(anchor: BoxXYXY(c.anchor), delta: BoxDelta(c.delta), clipTo: clipF)
            assertClose(boxF.array, c.box, atol: 2e-4, rtol: 1e-5, "case \(i)")
            let gradF = DeltaXYWHCoder.decodeBackward(anchor: BoxXYXY(c.anchor), delta: BoxDelta(c.delta),
                                                      dBox: BoxXYXY(c.d_box), clipTo: clipF)
            assertClose(gradF.array, c.d_delta, atol: 1e-4, rtol: 1e-4, "case \(i)")
        }
    }
}
