import Detection
import Engine
import TestSupport
import XCTest

final class IoUMatrixTests: XCTestCase {
    func testSmallMatrixByHand() {
        // GT (0,0,2,2) against: itself (IoU 1), (1,1,3,3) (1/7), (4,4,5,5) (disjoint, 0).
        let gts = [BoxXYXY(x1: 0, y1: 0, x2: 2, y2: 2)]
        let anchors = [BoxXYXY(x1: 0, y1: 0, x2: 2, y2: 2), BoxXYXY(x1: 1, y1: 1, x2: 3, y2: 3),
                       BoxXYXY(x1: 4, y1: 4, x2: 5, y2: 5)]
        let m = IoUMatrix.naive(gts: gts, anchors: anchors)
        XCTAssertEqual(m.gtCount, 1)
        XCTAssertEqual(m.anchorCount, 3)
        assertClose(m.values, [1, 1.0 / 7, 0], atol: 1e-7)
        XCTAssertEqual(IoUMatrix.sweep(gts: gts, index: AnchorSweepIndex(anchors: anchors)), m)
    }

    func testEmptyInputs() {
        let anchors = [BoxXYXY(x1: 0, y1: 0, x2: 2, y2: 2)]
        let noGT = IoUMatrix.sweep(gts: [], index: AnchorSweepIndex(anchors: anchors))
        XCTAssertEqual(noGT.gtCount, 0)
        XCTAssertEqual(noGT.anchorCount, 1)
        XCTAssertTrue(noGT.values.isEmpty)
        let noAnchors = IoUMatrix.sweep(gts: anchors, index: AnchorSweepIndex(anchors: []))
        XCTAssertEqual(noAnchors, IoUMatrix.naive(gts: anchors, anchors: []))
        XCTAssertEqual(noAnchors.anchorCount, 0)
    }

    /// The fast path must equal the naive reference exactly, on grids and on random layouts
    /// with duplicates, degenerate and touching boxes.
    func testSweepEqualsNaive() {
        var rng = SplitMix64(seed: 7)
        for trial in 0..<50 {
            var anchors: [BoxXYXY] = []
            for stride in [8, 16, 32] where trial % 2 == 0 {
                let side = Float(4 * stride)
                for i in 0..<(128 / stride) {
                    for j in 0..<(128 / stride) {
                        let cx = Float(j * stride), cy = Float(i * stride)
                        anchors.append(BoxXYXY(x1: cx - side / 2, y1: cy - side / 2, x2: cx + side / 2, y2: cy + side / 2))
                    }
                }
            }
            for _ in 0..<Int(rng.next() % 60) { anchors.append(rng.box()) }
            if let first = anchors.first { anchors.append(first) }                     // duplicate
            anchors.append(BoxXYXY(x1: 10, y1: 10, x2: 10, y2: 30))                     // zero width
            let gts = (0..<Int(rng.next() % 6)).map { _ in rng.box() } + [BoxXYXY(x1: 40, y1: 0, x2: 48, y2: 8)]
            let naive = IoUMatrix.naive(gts: gts, anchors: anchors)
            let fast = IoUMatrix.sweep(gts: gts, index: AnchorSweepIndex(anchors: anchors))
            XCTAssertEqual(fast.values.map(\.bitPattern), naive.values.map(\.bitPattern), "trial \(trial)")
            XCTAssertEqual(fast.gtCount, naive.gtCount)
        }
    }

    func testMatchesNumpyReference() throws {
        let fixture = try loadFixture(IoUMatrixFixture.self, "detection/iou_matrix.json", kind: "iou_matrix")
        for (i, c) in fixture.cases.enumerated() {
            let gts = c.gts.map { BoxXYXY($0) }, anchors = c.anchors.map { BoxXYXY($0) }
            let m = IoUMatrix.sweep(gts: gts, index: AnchorSweepIndex(anchors: anchors))
            XCTAssertEqual(m.gtCount, gts.count)
            XCTAssertEqual(m.anchorCount, anchors.count)
            // IoU ∈ [0, 1] from Float areas ≲ 1.6e4 px²: relative rounding ~1e-7.
            assertClose(m.values, c.iou.flatMap { $0 }, atol: 1e-6, rtol: 0, "case \(i)")
        }
    }
}

extension SplitMix64 {
    /// A random box inside roughly [−20, 150]², sides 0–60, on a 0.5 px lattice half the time
    /// (so that coordinates tie with each other and with the grid).
    mutating func box() -> BoxXYXY {
        var v = [uniform(-20, 130), uniform(-20, 130), uniform(0, 60), uniform(0, 60)]
        if next() % 2 == 0 { v = v.map { ($0 * 2).rounded() / 2 } }
        return BoxXYXY(x1: Float(v[0]), y1: Float(v[1]), x2: Float(v[0] + v[2]), y2: Float(v[1] + v[3]))
    }
}
