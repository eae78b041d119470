import Detection
import TestSupport
import XCTest

final class BoxOverlapsTests: XCTestCase {
    // 1. Hand-computed cases.

    func testIoUAndGIoUByHand() {
        // p = (0,0,2,2), t = (1,1,3,3): I = 1·1 = 1, U = 4 + 4 − 1 = 7, IoU = 1/7.
        // Enclosure (0,0,3,3): E = 9, GIoU = 1/7 − (9 − 7)/9 = 1/7 − 2/9 = −5/63.
        let p = BoxXYXY(x1: 0, y1: 0, x2: 2, y2: 2), t = BoxXYXY(x1: 1, y1: 1, x2: 3, y2: 3)
        assertClose(iou(p, t), 1.0 / 7, atol: 1e-7)
        assertClose(giou(p, t), -5.0 / 63, atol: 1e-7)
        // Disjoint: p = (0,0,1,1), t = (2,0,3,1): I = 0, U = 2, E = 3·1 = 3 → GIoU = 0 − 1/3.
        let far = BoxXYXY(x1: 2, y1: 0, x2: 3, y2: 1)
        XCTAssertEqual(iou(BoxXYXY(x1: 0, y1: 0, x2: 1, y2: 1), far), 0)
        assertClose(giou(BoxXYXY(x1: 0, y1: 0, x2: 1, y2: 1), far), -1.0 / 3, atol: 1e-7)
        // Degenerate: two zero-area boxes at one point. U = max(0, eps) → IoU = 0/eps = 0, and
        // E = max(0, eps) → GIoU = 0 − (eps − eps)/eps = 0.
        let dot = BoxXYXY(x1: 5, y1: 5, x2: 5, y2: 5)
        XCTAssertEqual(iou(dot, dot), 0)
        XCTAssertEqual(giou(dot, dot), 0)
    }

    func testGIoUBackwardByHand() {
        // Same p, t as above. GIoU = I/U − 1 + U/E, so G_I = 1/U = 1/7, G_U = −I/U² + 1/E = −1/49 + 1/9,
        // G_E = −U/E² = −7/81. U = A_p + A_t − I.
        // x1 (p.x1 = 0 < t.x1 = 1): A_p depends (∂ = −2), I does not (lt.x = t.x1), E does
        //   (elt.x = p.x1, ∂E = −3): ∂GIoU/∂x1 = G_U·(−2) + G_E·(−3) = 2/49 − 2/9 + 7/27.
        // x2 (p.x2 = 2 < t.x2 = 3): A_p (∂ = +2), I (rb.x = p.x2, ∂I = h = 1), E does not:
        //   ∂GIoU/∂x2 = G_I·1 + G_U·(2 − 1) = 1/7 − 1/49 + 1/9.   y is symmetric.
        // The loss is 1 − GIoU, so the gradient is the negation.
        let p = BoxXYXY(x1: 0, y1: 0, x2: 2, y2: 2), t = BoxXYXY(x1: 1, y1: 1, x2: 3, y2: 3)
        let d1 = -(2.0 / 49 - 2.0 / 9 + 7.0 / 27), d2 = -(1.0 / 7 - 1.0 / 49 + 1.0 / 9)
        assertClose(giouBackward(p, t).array, [d1, d1, d2, d2], atol: 1e-6)
        // The upstream factor scales linearly (the loss weight 1.3 of the PAA head).
        assertClose(giouBackward(p, t, upstream: 1.3).array, [1.3 * d1, 1.3 * d1, 1.3 * d2, 1.3 * d2], atol: 1e-6)
    }

    func testTiedCoordinatesSplitGradientLikeTorchMaximum() {
        // p = (0,0,2,2), t = (0,1,3,3): p.x1 == t.x1, a kink. torch.max/min of equal tensors send ½
        // of the gradient to each input. A_p = 4, A_t = 6, I = 2·1 = 2, U = 8, E = 3·3 = 9.
        // G_I = 1/8, G_U = −2/64 + 1/9 = 23/288, G_E = −8/81.
        // Paths from p.x1: A_p (∂ = −2); I via lt.x with share ½ (∂I = −½·h = −½, and U = … − I);
        // E via elt.x with share ½ (∂E = −½·3):
        // ∂GIoU/∂p.x1 = G_U·(−2) + G_I·(−½) + G_U·(+½) + G_E·(−3/2)
        //            = −23/192 − 1/16 + 4/27 = −59/1728, so ∂(1 − GIoU)/∂p.x1 = 59/1728.
        // (Routing the full gradient at the tie would give ∂(1 − GIoU)/∂p.x1 = −0.0916 instead.)
        let p = BoxXYXY(x1: 0, y1: 0, x2: 2, y2: 2), t = BoxXYXY(x1: 0, y1: 1, x2: 3, y2: 3)
        assertClose(giou(p, t), 5.0 / 36, atol: 1e-7)   // 2/8 − (9 − 8)/9
        assertClose(giouBackward(p, t).x1, 59.0 / 1728, atol: 1e-7)
    }

    // 2. Central finite differences (Double instantiation).

    func testBackwardMatchesFiniteDifferences() throws {
        let fixture = try loadFixture(OverlapsFixture.self, "detection/overlaps.json", kind: "overlaps")
        for (i, c) in fixture.cases.enumerated() {
            let t = XYXYBox<Double>(c.target)
            let analytic = giouBackward(XYXYBox<Double>(c.pred), t)
            let numeric = numericGradient(c.pred) { 1 - giou(XYXYBox<Double>($0), t) }
            // |f| ≲ 2 → FD rounding ≲ 2·2e-16/1e-6 ≈ 4e-10; fixtures stay ≥ 1e-3 away from kinks.
            assertClose(analytic.array, numeric, atol: 1e-8, rtol: 1e-6, "case \(i)")
        }
    }

    // 3. Agreement with the independent numpy reference.

    func testMatchesNumpyReference() throws {
        let fixture = try loadFixture(OverlapsFixture.self, "detection/overlaps.json", kind: "overlaps")
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 60)
        for (i, c) in fixture.cases.enumerated() {
            let pD = XYXYBox<Double>(c.pred), tD = XYXYBox<Double>(c.target)
            assertClose(iou(pD, tD), c.iou, atol: 1e-12, "case \(i)")
            assertClose(giou(pD, tD), c.giou, atol: 1e-12, "case \(i)")
            assertClose(giouBackward(pD, tD).array, c.d_pred_giou_loss, atol: 1e-8, rtol: 1e-6, "case \(i)")
            // Float: areas up to ~1.6e5 px² carry relative rounding ~1e-7, so IoU/GIoU ∈ [−1, 1]
            // are good to ~1e-6; gradients (~1/side ≳ 1e-3) to ~1e-4 relative.
            let pF = BoxXYXY(c.pred), tF = BoxXYXY(c.target)
            assertClose(Double(iou(pF, tF)), c.iou, atol: 5e-6, rtol: 0, "case \(i)")
            assertClose(Double(giou(pF, tF)), c.giou, atol: 5e-6, rtol: 0, "case \(i)")
            assertClose(giouBackward(pF, tF).array, c.d_pred_giou_loss, atol: 1e-6, rtol: 1e-3, "case \(i)")
        }
    }
}
