import Detection
import XCTest
@testable import Inference

/// What `colad detect` draws: score threshold, top k, class-agnostic NMS.
final class DrawSelectionTests: XCTestCase {
    func box(_ x: Float, _ w: Float = 10) -> BoxXYXY { BoxXYXY(x1: x, y1: 0, x2: x + w, y2: 10) }

    func testThresholdAndTopK() {
        let dets = [ScoredBox(box: box(0), classIndex: 0, score: 0.4), ScoredBox(box: box(20), classIndex: 1, score: 0.9),
                    ScoredBox(box: box(40), classIndex: 0, score: 0.5), ScoredBox(box: box(60), classIndex: 2, score: 0.7),
                    ScoredBox(box: box(80), classIndex: 2, score: 0.5)]
        XCTAssertEqual(DrawSelection(threshold: 0.5, maxBoxes: 0).select(dets).map(\.score), [0.9, 0.7, 0.5, 0.5])
        XCTAssertEqual(DrawSelection(threshold: 0.5, maxBoxes: 0).select(dets).map(\.box.x1), [20, 60, 40, 80], "ties keep their order")
        XCTAssertEqual(DrawSelection(threshold: 0.5, maxBoxes: 2).select(dets).map(\.score), [0.9, 0.7])
        XCTAssertEqual(DrawSelection(threshold: 0.95, maxBoxes: 2).select(dets), [])
        XCTAssertEqual(DrawSelection(threshold: 0.5, maxBoxes: 3).select([]), [])
    }

    /// Two classes on one object: both drawn without agnostic NMS; with it only the higher
    /// score. IoU equal to the threshold survives (strict >, as in NMS.swift).
    func testClassAgnosticNMS() {
        let dets = [ScoredBox(box: box(0), classIndex: 0, score: 0.6),    // overlaps the next: IoU 9/11
                    ScoredBox(box: box(1), classIndex: 1, score: 0.8),
                    ScoredBox(box: box(50), classIndex: 0, score: 0.7),   // alone
                    ScoredBox(box: box(55), classIndex: 1, score: 0.55)]  // IoU with box(50): 5/15 = 1/3
        XCTAssertEqual(DrawSelection(threshold: 0.5, maxBoxes: 0).select(dets).count, 4)
        let agnostic = DrawSelection(threshold: 0.5, maxBoxes: 0, agnosticIoU: 0.5).select(dets)
        XCTAssertEqual(agnostic.map(\.score), [0.8, 0.7, 0.55])
        XCTAssertEqual(DrawSelection(threshold: 0.5, maxBoxes: 0, agnosticIoU: 0.3).select(dets).map(\.score), [0.8, 0.7])
        XCTAssertEqual(DrawSelection(threshold: 0.5, maxBoxes: 0, agnosticIoU: 1.0 / 3).select(dets).map(\.score), [0.8, 0.7, 0.55],
                       "IoU equal to the threshold is not suppressed")
        XCTAssertEqual(DrawSelection(threshold: 0.5, maxBoxes: 1, agnosticIoU: 0.5).select(dets).map(\.score), [0.8])
    }
}
