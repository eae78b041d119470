// Hand-computed cases of SPEC §6 on a 64×64 grid: strides 8/16/32 → 8×8 + 4×4 + 2×2 = 84 anchors,
// side 4·stride, centre (j·s, i·s). Level-0 cell (i, j) is the box [8j − 16, 8i − 16, 8j + 16, 8i + 16].
// Unless set, every score is ≈ 3e-5 (below the 0.05 threshold).

import Detection
import Foundation
import Models
import TestSupport
import XCTest
@testable import Inference

final class HandComputedTests: XCTestCase {
    let grid = TestGrid(pad: 64)
    let noVoting = PostProcessConfig(scoreVoting: false)

    func testOneConfidentAnchorGivesItsDecodedBoxAndGeometricMeanScore() {
        // Cell (3, 4): centre (32, 24), 32×32. δ = (1, −2, 0.5, 0) → dx' = 0.1, dy' = −0.2, dw' = 0.1:
        // cx = 32 + 32·0.1 = 35.2, cy = 24 − 32·0.2 = 17.6, w = 32·e^0.1 = 35.365469, h = 32
        // → [17.517265, 1.6, 52.882735, 33.6]. Score √(0.8·0.5) = √0.4 = 0.632456.
        var head = TestHead(grid: grid, classes: 3)
        head.set(grid.index(level: 0, 3, 4), p: [2: 0.8], q: 0.5, delta: BoxDelta(dx: 1, dy: -2, dw: 0.5, dh: 0))
        for nms in [NMSAlgorithm.naive, .sorted] {
            let dets = head.detect(nms: nms)
            XCTAssertEqual(dets.count, 1)
            guard let d = dets.first else { continue }
            XCTAssertEqual(d.classIndex, 2)
            assertClose(d.box.array, [17.517265, 1.6, 52.882735, 33.6], atol: 1e-4)
            assertClose(d.score, 0.6324555, atol: 1e-6)
            XCTAssertEqual(d.score, expectedScore(0.8, 0.5))
        }
    }

    func testScoreThresholdIsStrictAndConfigurable() {
        // q ≈ 1 (σ rounds to 1 in Float), so s = √p: 0.06 and 0.04 at two cells, 0.0490 for class 1.
        var head = TestHead(grid: grid, classes: 2)
        let q = 1 - 1e-9
        head.set(grid.index(level: 0, 0, 0), p: [0: 0.0036, 1: 0.0024], q: q)
        head.set(grid.index(level: 0, 7, 7), p: [0: 0.0016], q: q)
        let dets = head.detect()
        XCTAssertEqual(dets.map(\.classIndex), [0])
        assertClose(dets.map(\.score), [0.06], atol: 1e-6)
        XCTAssertEqual(head.detect(PostProcessConfig(scoreThreshold: 0.059)).count, 1)
        XCTAssertEqual(head.detect(PostProcessConfig(scoreThreshold: 0.061)).count, 0)
        // With threshold 0.045 the 0.0490 candidate joins; 0.04 stays out.
        assertClose(head.detect(PostProcessConfig(scoreThreshold: 0.045)).map(\.score), [0.06, 0.0489898], atol: 1e-6)
    }

    func testNMSSuppressesOverlappingLowerScoreOfSameClassOnly() {
        // A = cell (3, 4) = [16, 8, 48, 40], s = 0.9. B = cell (3, 5) shifted by dx = −1.25
        // (−0.125·32 = −4 px) = [20, 8, 52, 40], s = 0.8. IoU = 28·32 / (2·1024 − 896) = 7/9 > 0.6.
        let a = grid.index(level: 0, 3, 4), b = grid.index(level: 0, 3, 5)
        let shiftLeft = BoxDelta(dx: -1.25, dy: 0, dw: 0, dh: 0)
        for nms in [NMSAlgorithm.naive, .sorted] {
            var same = TestHead(grid: grid, classes: 2)
            same.set(a, p: [0: 0.9], q: 0.9)
            same.set(b, p: [0: 0.8], q: 0.8, delta: shiftLeft)
            let kept = same.detect(noVoting, nms: nms)
            XCTAssertEqual(kept.map(\.classIndex), [0])
            assertClose(kept.first?.box.array ?? [], [16, 8, 48, 40], atol: 1e-5)

            var other = TestHead(grid: grid, classes: 2)
            other.set(a, p: [0: 0.9], q: 0.9)
            other.set(b, p: [1: 0.8], q: 0.8, delta: shiftLeft)
            let both = other.detect(noVoting, nms: nms)
            XCTAssertEqual(both.map(\.classIndex), [0, 1])
            assertClose(both.map(\.score), [0.9, 0.8], atol: 1e-6)
            assertClose(both.last?.box.array ?? [], [20, 8, 52, 40], atol: 1e-5)
        }
    }

    func testIoUEqualToTheThresholdDoesNotSuppress() {
        // Cells (3, 4) and (3, 5) unshifted: IoU = 24·32 / (2048 − 768) = 0.6 exactly (also in Float).
        var head = TestHead(grid: grid, classes: 1)
        head.set(grid.index(level: 0, 3, 4), p: [0: 0.9], q: 0.9)
        head.set(grid.index(level: 0, 3, 5), p: [0: 0.8], q: 0.8)
        XCTAssertEqual(iou(grid.anchors[grid.index(level: 0, 3, 4)], grid.anchors[grid.index(level: 0, 3, 5)]), 0.6)
        for nms in [NMSAlgorithm.naive, .sorted] { XCTAssertEqual(head.detect(noVoting, nms: nms).count, 2) }
        // Just above the threshold the lower score goes.
        XCTAssertEqual(head.detect(PostProcessConfig(nmsIoU: 0.59, scoreVoting: false)).count, 1)
    }

    func testEqualScoresAreOrderedByFlatIndex() {
        // Cell (3, 3) shifted right by 4 px = [12, 8, 44, 40] and cell (3, 4) = [16, 8, 48, 40]:
        // IoU = 7/9 > 0.6, identical logits → identical scores. (3, 3) has the lower flat index, so
        // it wins although it is the one that was shifted.
        var head = TestHead(grid: grid, classes: 1)
        head.set(grid.index(level: 0, 3, 4), p: [0: 0.9], q: 0.9)
        head.set(grid.index(level: 0, 3, 3), p: [0: 0.9], q: 0.9, delta: BoxDelta(dx: 1.25, dy: 0, dw: 0, dh: 0))
        for nms in [NMSAlgorithm.naive, .sorted] {
            let dets = head.detect(noVoting, nms: nms)
            XCTAssertEqual(dets.count, 1)
            assertClose(dets.first?.box.array ?? [], [12, 8, 44, 40], atol: 1e-5)
        }
        // Two classes of one anchor with equal scores: class order (index a·C + c).
        var tied = TestHead(grid: grid, classes: 3)
        tied.set(grid.index(level: 0, 2, 2), p: [2: 0.7, 1: 0.7], q: 0.5)
        XCTAssertEqual(tied.detect().map(\.classIndex), [1, 2])
    }

    func testMaxPerImageKeepsTheHighestScores() {
        // One anchor, six classes, distinct scores; classes never suppress each other.
        var head = TestHead(grid: grid, classes: 6)
        let p = [0.3, 0.9, 0.5, 0.7, 0.2, 0.6]
        head.set(grid.index(level: 1, 1, 1), p: Dictionary(uniqueKeysWithValues: p.enumerated().map { ($0, $1) }), q: 0.81)
        XCTAssertEqual(head.detect().map(\.classIndex), [1, 3, 5, 2, 0, 4])
        let top3 = head.detect(PostProcessConfig(maxPerImage: 3))
        XCTAssertEqual(top3.map(\.classIndex), [1, 3, 5])
        assertClose(top3.map(\.score), [0.9, 0.7, 0.6].map { ($0 * 0.81).squareRoot() }, atol: 1e-6)
        XCTAssertEqual(head.detect(PostProcessConfig(maxPerImage: 0)).count, 6)   // ≤ 0: no cap
    }

    func testNMSPreKeepsTheTopRankedAnchorsOfEachLevel() {
        // Level 0 corners (pairwise IoU 0): X (0,0) class 0 p .9; Y (0,7) classes 1 and 2 p .7 each;
        // Z (7,0) class 0 p .5. Level 1: L (3,3) class 0 p .3. q = .8 everywhere.
        // Rank = max_c √(p_c·q): X .849 > Y .748 > Z .632 on level 0; Y's two classes do not add up.
        var head = TestHead(grid: grid, classes: 3)
        let x = grid.index(level: 0, 0, 0), y = grid.index(level: 0, 0, 7), z = grid.index(level: 0, 7, 0)
        head.set(x, p: [0: 0.9], q: 0.8)
        head.set(y, p: [1: 0.7, 2: 0.7], q: 0.8)
        head.set(z, p: [0: 0.5], q: 0.8)
        head.set(grid.index(level: 1, 3, 3), p: [0: 0.3], q: 0.8)
        func boxes(_ nmsPre: Int) -> [[Float]] {
            head.detect(PostProcessConfig(nmsPre: nmsPre, scoreVoting: false)).map { $0.box.array }
        }
        let bx: [Float] = [0, 0, 16, 16], by: [Float] = [40, 0, 64, 16], bz: [Float] = [0, 40, 16, 64]
        let bl: [Float] = [16, 16, 64, 64]   // stride 16: centre (48, 48), side 64, clipped to 64
        XCTAssertEqual(boxes(1), [bx, bl])   // level 1's own top-1 survives its own cap
        XCTAssertEqual(boxes(2), [bx, by, by, bl])
        XCTAssertEqual(boxes(3), [bx, by, by, bz, bl])
        XCTAssertEqual(boxes(0), boxes(3))   // ≤ 0: no cut
        // Equal ranks at the cut: the lower anchor index stays.
        head.set(z, p: [0: 0.9], q: 0.8)
        XCTAssertEqual(boxes(1), [bx, bl])
    }

    func testScoreVotingMovesTheBoxTowardItsWeightedNeighbours() {
        // A = cell (3, 4) = [16, 8, 48, 40], class 0, s_A = √(.9·.9) = .9 (kept).
        // B = cell (3, 5) shifted −4 px = [20, 8, 52, 40], class 0, s_B = .8, IoU(A, B) = 7/9
        //   (suppressed by A, but still a voter): w_B = exp(−(2/9)²/0.025)·0.8 = 0.1109748.
        // A votes for itself with IoU 1: w_A = s_A = 0.9. So x1' = (0.9·16 + w_B·20)/(0.9 + w_B)
        //   = 16.439080, x2' = x1' + 32 = 48.439080; y stays [8, 40] (both voters share it).
        // The same anchor of B has class 1 (p .95 → s = √(.95·.8) = .871780): it is kept, votes only
        // for class 1 (itself), so its box stays [20, 8, 52, 40].
        // D = cell (7, 7) = [40, 40, 64, 64] (clipped), class 0, s = √(.3·.8): IoU 0 with A and B, so
        // it neither votes for A nor receives votes.
        var head = TestHead(grid: grid, classes: 2)
        head.set(grid.index(level: 0, 3, 4), p: [0: 0.9], q: 0.9)
        head.set(grid.index(level: 0, 3, 5), p: [0: 0.8, 1: 0.95], q: 0.8, delta: BoxDelta(dx: -1.25, dy: 0, dw: 0, dh: 0))
        head.set(grid.index(level: 0, 7, 7), p: [0: 0.3], q: 0.8)
        let wB = Foundation.exp(-(2.0 / 9) * (2.0 / 9) / 0.025) * 0.8
        let x1 = (0.9 * 16 + wB * 20) / (0.9 + wB)
        assertClose(x1, 16.439080, atol: 1e-6)
        for nms in [NMSAlgorithm.naive, .sorted] {
            let dets = head.detect(nms: nms)
            XCTAssertEqual(dets.map(\.classIndex), [0, 1, 0])
            assertClose(dets.map(\.score), [0.9, 0.871780, 0.489898], atol: 1e-6)   // scores unchanged
            guard dets.count == 3 else { continue }
            assertClose(dets[0].box.array, [x1, 8, x1 + 32, 40], atol: 1e-5)
            assertClose(dets[1].box.array, [20, 8, 52, 40], atol: 1e-5)
            assertClose(dets[2].box.array, [40, 40, 64, 64], atol: 1e-5)
        }
        // Voting off: A's own box.
        assertClose(head.detect(noVoting)[0].box.array, [16, 8, 48, 40], atol: 1e-5)
    }

    func testBoxesAreClippedToTheImageThenDividedByTheScale() {
        // Image 40×30 (resized, unpadded) inside the 64×64 pad. Cell (3, 4) = [16, 8, 48, 40] is
        // valid (3 < ⌈30/8⌉ = 4, 4 < ⌈40/8⌉ = 5), clipped to [16, 8, 40, 30]; scale 0.5 → ×2.
        var head = TestHead(grid: grid, classes: 1)
        head.set(grid.index(level: 0, 3, 4), p: [0: 0.9], q: 0.9)
        let dets = head.detect(valid: grid.valid(width: 40, height: 30), size: (40, 30), scale: 0.5)
        XCTAssertEqual(dets.count, 1)
        assertClose(dets.first?.box.array ?? [], [32, 16, 80, 60], atol: 1e-5)
        assertClose(dets.first?.score ?? 0, 0.9, atol: 1e-6)   // the scale never touches scores
    }

    func testInvalidAnchorsAreNeverDetectionsNorRanked() {
        // 40×30 image: level-0 cells with i ≥ 4 or j ≥ 5 are invalid. (7, 7) is the most confident
        // anchor of the level but invalid; with nms_pre = 1 the valid (0, 0) must still get the slot.
        var head = TestHead(grid: grid, classes: 1)
        let valid = grid.valid(width: 40, height: 30)
        XCTAssertFalse(valid[grid.index(level: 0, 7, 7)])
        XCTAssertTrue(valid[grid.index(level: 0, 0, 0)])
        head.set(grid.index(level: 0, 7, 7), p: [0: 0.99], q: 0.99)
        head.set(grid.index(level: 0, 0, 0), p: [0: 0.6], q: 0.6)
        for nmsPre in [1, 1000] {
            let dets = head.detect(PostProcessConfig(nmsPre: nmsPre), valid: valid, size: (40, 30))
            XCTAssertEqual(dets.count, 1)
            assertClose(dets.first?.box.array ?? [], [0, 0, 16, 16], atol: 1e-5)
        }
        XCTAssertEqual(head.detect(valid: [Bool](repeating: false, count: grid.anchors.count)), [])
    }

    func testZeroAreaDetectionIsKeptUnvotedAndFinite() {
        // Cell (3, 0) = [−16, 8, 16, 40] moved down by dy = 8 (0.8·32 px): y ∈ [33.6, 65.6], entirely
        // below a 30-px-high image → clipped to y1 = y2 = 30. IoU(B, B) = 0/eps = 0, so no candidate
        // votes (mmdet would divide 0 by 0); the box is returned as decoded.
        var head = TestHead(grid: grid, classes: 1)
        head.set(grid.index(level: 0, 3, 0), p: [0: 0.9], q: 0.9, delta: BoxDelta(dx: 0, dy: 8, dw: 0, dh: 0))
        let dets = head.detect(valid: grid.valid(width: 40, height: 30), size: (40, 30))
        XCTAssertEqual(dets.count, 1)
        assertClose(dets.first?.box.array ?? [], [0, 30, 16, 30], atol: 1e-5)
    }

    func testSilentOutputsGiveNoDetections() {
        XCTAssertEqual(TestHead(grid: grid, classes: 4).detect(), [])
        let none = HeadOutputs(cls: [], reg: [], iou: [])
        XCTAssertEqual(PostProcessor().detect(outputs: none, image: 0, anchors: [], valid: [], imageSize: (64, 64), scale: 1), [])
        XCTAssertEqual(PostProcessor().detectBatch(outputs: none, anchors: [], valid: [], imageSizes: [], scales: []).count, 0)
        let batch = TestHead(grid: grid, classes: 2, batch: 2)
        XCTAssertEqual(PostProcessor().detectBatch(outputs: batch.outputs, anchors: grid.anchors,
                                                   valid: [grid.allValid, grid.allValid], imageSizes: [(64, 64), (64, 64)],
                                                   scales: [1, 1]), [[], []])
    }

    func testBatchReadsEachImagesOwnSlice() {
        // Image 1: one detection at level 1; image 2: two at level 0 and 2; image 0: none.
        var head = TestHead(grid: grid, classes: 2, batch: 3)
        head.set(grid.index(level: 1, 2, 1), image: 1, p: [1: 0.9], q: 0.7)
        head.set(grid.index(level: 0, 5, 5), image: 2, p: [0: 0.6], q: 0.9)
        head.set(grid.index(level: 2, 1, 1), image: 2, p: [1: 0.7], q: 0.9)
        let sizes: [(width: Float, height: Float)] = [(64, 64), (64, 48), (50, 64)]
        let valid = sizes.map { grid.valid(width: Int($0.width), height: Int($0.height)) }
        let scales: [ResizeScale] = [1, 0.5, 2]
        let batch = PostProcessor().detectBatch(outputs: head.outputs, anchors: grid.anchors, valid: valid,
                                                imageSizes: sizes, scales: scales)
        XCTAssertEqual(batch.map(\.count), [0, 1, 2])
        for b in 0..<3 {
            XCTAssertEqual(batch[b], head.detect(image: b, valid: valid[b], size: sizes[b], scale: scales[b]))
        }
        // Image 1: level-1 cell (2, 1) = centre (16, 32), side 64 → [−16, 0, 48, 64] clipped to
        // [0, 0, 48, 48], ÷ 0.5.
        assertClose(batch[1].first?.box.array ?? [], [0, 0, 96, 96], atol: 1e-5)
        // Per-axis factors (keep-ratio rounding): x ÷ 0.5, y ÷ 2.
        let anisotropic = head.detect(image: 1, valid: valid[1], size: sizes[1], scale: ResizeScale(x: 0.5, y: 2))
        assertClose(anisotropic.first?.box.array ?? [], [0, 0, 96, 24], atol: 1e-5)
    }

    func testConfigDefaultsAndPartialDecoding() throws {
        let d = PostProcessConfig()
        XCTAssertEqual(d.nmsPre, 1000); XCTAssertEqual(d.scoreThreshold, 0.05); XCTAssertEqual(d.nmsIoU, 0.6)
        XCTAssertEqual(d.maxPerImage, 100); XCTAssertTrue(d.scoreVoting)
        XCTAssertEqual(d.votingSigma, 0.025); XCTAssertEqual(d.votingMinIoU, 0.01)
        XCTAssertEqual(try JSONDecoder().decode(PostProcessConfig.self, from: Data("{}".utf8)), d)
        let partial = try JSONDecoder().decode(PostProcessConfig.self, from: Data(#"{"nmsPre": 5, "scoreVoting": false}"#.utf8))
        XCTAssertEqual(partial, PostProcessConfig(nmsPre: 5, scoreVoting: false))
        let custom = PostProcessConfig(nmsPre: 7, scoreThreshold: 0.1, nmsIoU: 0.5, maxPerImage: 3,
                                       scoreVoting: false, votingSigma: 0.05, votingMinIoU: 0.02)
        XCTAssertEqual(try JSONDecoder().decode(PostProcessConfig.self, from: JSONEncoder().encode(custom)), custom)
    }
}
