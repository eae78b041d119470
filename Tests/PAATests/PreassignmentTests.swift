import Detection
import PAA
import TestSupport
import XCTest

/// MaxIoU pre-assignment (SPEC §5 step 1) on hand-built scenes; every IoU is worked out in the
/// comments.
final class PreassignmentTests: XCTestCase {
    /// Two levels: a0..a3 on level 0, a4..a5 on level 1.
    let set = AnchorSet(anchors: [BoxXYXY(0, 0, 10, 10), BoxXYXY(5, 0, 15, 10), BoxXYXY(20, 0, 30, 10),
                                  BoxXYXY(40, 40, 50, 50), BoxXYXY(0, 0, 20, 20), BoxXYXY(100, 100, 120, 120)],
                        levelRanges: [0..<4, 4..<6])

    func testNegativesCandidatesAndFirstMaximum() {
        // GT0 = (0,0,10,10): IoU a0 1, a1 50/150, a4 100/400 = .25, others 0.
        // GT1 = (4,0,14,10): IoU a0 60/140, a1 90/110, a4 100/400 = .25 (tie with GT0 → first max, GT0).
        let gt = ObjectTargets(boxes: [BoxXYXY(0, 0, 10, 10), BoxXYXY(4, 0, 14, 10)], labels: [2, 0])
        let pre = PAAAssigner(anchors: set).preassign(gt, valid: [Bool](repeating: true, count: 6))
        XCTAssertEqual(pre.anchors, [.foreground(object: 0), .foreground(object: 1), .background, .background,
                                     .foreground(object: 0), .background])
        // Grouped by (object, level), anchors ascending.
        XCTAssertEqual(pre.candidates.map(\.anchor), [0, 4, 1])
        XCTAssertEqual(pre.candidates.map(\.object), [0, 0, 1])
        XCTAssertEqual(pre.candidates.map(\.level), [0, 1, 0])
        XCTAssertEqual(pre.groups, [.init(object: 0, level: 0, range: 0..<1), .init(object: 0, level: 1, range: 1..<2),
                                    .init(object: 1, level: 0, range: 2..<3)])
        XCTAssertEqual(pre.groundTruth, gt)
    }

    /// The low-quality pass hands g its best anchors even below the threshold, and a later GT
    /// overwrites an earlier one, even one the anchor matched better.
    func testLowQualityPassOverwrites() {
        // Identical tiny GTs inside a4 = (0,0,20,20): IoU 4/400 = .01 < .1 for both → background
        // after step 2; low-quality: GT0 takes a4 (its max), then GT1 (same max) overwrites it.
        let tiny = ObjectTargets(boxes: [BoxXYXY(8, 12, 10, 14), BoxXYXY(8, 12, 10, 14)], labels: [0, 1])
        let pre = PAAAssigner(anchors: set).preassign(tiny, valid: [Bool](repeating: true, count: 6))
        XCTAssertEqual(pre.anchors[4], .foreground(object: 1))
        XCTAssertEqual(pre.candidates.map(\.anchor), [4])
        XCTAssertEqual(pre.candidates.map(\.object), [1])

        // a0 = (0,0,10,10), b1 = (0,2,10,14). GT0 = (0,0,10,12): IoU a0 100/120, b1 100/140.
        // GT1 = (3,3,13,13): IoU a0 49/151, b1 70/150. Step 2 gives both anchors to GT0; the
        // low-quality pass then gives b1 (GT1's best, 0.467) to GT1.
        let two = AnchorSet(anchors: [BoxXYXY(0, 0, 10, 10), BoxXYXY(0, 2, 10, 14)], levelRanges: [0..<2])
        let gt = ObjectTargets(boxes: [BoxXYXY(0, 0, 10, 12), BoxXYXY(3, 3, 13, 13)], labels: [0, 0])
        let p2 = PAAAssigner(anchors: two).preassign(gt, valid: [true, true])
        XCTAssertEqual(p2.anchors, [.foreground(object: 0), .foreground(object: 1)])
        // gt_max_assign_all: every anchor at the maximum (a tie) is taken, not only the first.
        let twins = AnchorSet(anchors: [BoxXYXY(0, 0, 40, 40), BoxXYXY(4, 4, 44, 44), BoxXYXY(80, 80, 90, 90)], levelRanges: [0..<3])
        let small = ObjectTargets(boxes: [BoxXYXY(10, 10, 14, 14)], labels: [0])   // IoU 16/1600 with both big anchors
        XCTAssertEqual(PAAAssigner(anchors: twins).preassign(small, valid: [true, true, true]).anchors,
                       [.foreground(object: 0), .foreground(object: 0), .background])
    }

    /// A GT overlapping no valid anchor has M_g = 0: without the guard the low-quality pass
    /// would hand it every zero-IoU anchor.
    func testZeroMaxIoUGuard() {
        let gt = ObjectTargets(boxes: [BoxXYXY(0, 0, 10, 10), BoxXYXY(200, 200, 210, 210)], labels: [0, 1])
        let pre = PAAAssigner(anchors: set).preassign(gt, valid: [Bool](repeating: true, count: 6))
        XCTAssertEqual(pre.anchors, [.foreground(object: 0), .foreground(object: 0), .background, .background,
                                     .foreground(object: 0), .background])
        XCTAssertFalse(pre.candidates.contains { $0.object == 1 })
        // Same when the GT's only overlapping anchor is invalid.
        var valid = [Bool](repeating: true, count: 6)
        valid[5] = false
        let hidden = ObjectTargets(boxes: [BoxXYXY(100, 100, 120, 120)], labels: [0])
        let p2 = PAAAssigner(anchors: set).preassign(hidden, valid: valid)
        XCTAssertEqual(p2.anchors, [.background, .background, .background, .background, .background, .invalid])
        XCTAssertTrue(p2.candidates.isEmpty)
        XCTAssertTrue(p2.groups.isEmpty)
    }

    func testNoObjectsAllNegative() {
        var valid = [Bool](repeating: true, count: 6)
        valid[2] = false
        let pre = PAAAssigner(anchors: set).preassign(.empty, valid: valid)
        XCTAssertEqual(pre.anchors, [.background, .background, .invalid, .background, .background, .background])
        XCTAssertTrue(pre.candidates.isEmpty)
        XCTAssertEqual(pre.objectCount, 0)
    }

    /// Invalid anchors are never candidates, and M_g is the max over valid anchors only.
    func testInvalidAnchorsNeverCandidates() {
        // GT = a0 exactly (IoU 1 with invalid a0); among valid anchors its best is a1 (1/3).
        let gt = ObjectTargets(boxes: [BoxXYXY(0, 0, 10, 10)], labels: [0])
        var valid = [Bool](repeating: true, count: 6)
        valid[0] = false
        valid[4] = false
        let pre = PAAAssigner(anchors: set).preassign(gt, valid: valid)
        XCTAssertEqual(pre.anchors, [.invalid, .foreground(object: 0), .background, .background, .invalid, .background])
        XCTAssertEqual(pre.candidates.map(\.anchor), [1])
    }

    /// On the real layout the candidates of a full scene are valid, grouped, and consistent
    /// with the per-anchor states.
    func testRealLayoutInvariants() {
        let layout = AnchorLayout()
        let gt = ObjectTargets(boxes: [BoxXYXY(10, 12, 60, 50), BoxXYXY(70, 80, 78, 90), BoxXYXY(30, 30, 120, 126)], labels: [1, 2, 0])
        let valid = layout.validFlags(width: 128, height: 96)
        let pre = PAAAssigner(layout: layout).preassign(gt, valid: valid)
        for c in pre.candidates {
            XCTAssertTrue(valid[c.anchor])
            XCTAssertEqual(pre.anchors[c.anchor], .foreground(object: c.object))
            XCTAssertEqual(layout.level(ofAnchor: c.anchor), c.level)
        }
        XCTAssertEqual(pre.anchors.filter { $0.object != nil }.count, pre.candidates.count)
        XCTAssertEqual(pre.groups.map(\.range.count).reduce(0, +), pre.candidates.count)
        XCTAssertEqual(Set(pre.candidates.map(\.object)), [0, 1, 2])
        XCTAssertEqual(pre.anchors.filter { $0 == .invalid }.count, valid.filter { !$0 }.count)
    }
}
