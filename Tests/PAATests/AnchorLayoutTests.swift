import Detection
import PAA
import TestSupport
import XCTest

final class AnchorLayoutTests: XCTestCase {
    /// 64×64 input: grids 8×8, 4×4, 2×2 → 84 anchors; sides 32, 64, 128; centre offset 0.
    func testPositionsAndFlatOrder64() {
        let layout = AnchorLayout(.init(inputSize: 64))
        XCTAssertEqual(layout.count, 84)
        XCTAssertEqual(layout.levelRanges, [0..<64, 64..<80, 80..<84])
        XCTAssertEqual(layout.levels.map(\.height), [8, 4, 2])
        XCTAssertEqual(layout.levels.map(\.width), [8, 4, 2])
        XCTAssertEqual(layout.levels.map(\.side), [32, 64, 128])
        let pinned: [(Int, BoxXYXY)] = [
            (0, BoxXYXY(-16, -16, 16, 16)),    // P3 (0,0): centred on the image corner
            (1, BoxXYXY(-8, -16, 24, 16)),     // P3 row 0, col 1: x moves first
            (8, BoxXYXY(-16, -8, 16, 24)),     // P3 row 1, col 0
            (63, BoxXYXY(40, 40, 72, 72)),     // P3 (7,7): centre (56, 56)
            (64, BoxXYXY(-32, -32, 32, 32)),   // P4 (0,0)
            (69, BoxXYXY(-16, -16, 48, 48)),   // P4 (1,1): centre (16, 16)
            (80, BoxXYXY(-64, -64, 64, 64)),   // P5 (0,0)
            (83, BoxXYXY(-32, -32, 96, 96)),   // P5 (1,1): centre (32, 32)
        ]
        for (a, box) in pinned { XCTAssertEqual(layout.anchors[a], box, "anchor \(a)") }
        XCTAssertEqual([0, 63, 64, 79, 80, 83].map(layout.level(ofAnchor:)), [0, 0, 1, 1, 2, 2])
        // Head rows: image 1's anchor 69 is row 16 + 5 of level 1.
        XCTAssertEqual(layout.address(image: 1, anchor: 69), HeadAddress(level: 1, row: 21))
        XCTAssertEqual(layout.address(image: 2, anchor: 3), HeadAddress(level: 0, row: 131))
    }

    func testDefaultLayoutAndCellCentreOption() {
        let layout = AnchorLayout()
        XCTAssertEqual(layout.config, AnchorLayout.Config(inputSize: 128, strides: [8, 16, 32], anchorScale: 4, centerOffset: 0))
        XCTAssertEqual(layout.count, 336)
        XCTAssertEqual(layout.levelRanges, [0..<256, 256..<320, 320..<336])
        XCTAssertEqual(layout.anchors[255], BoxXYXY(104, 104, 136, 136))   // P3 (15,15): centre (120, 120)
        // centerOffset 0.5 = cell centres.
        let centred = AnchorLayout(.init(inputSize: 64, centerOffset: 0.5))
        XCTAssertEqual(centred.anchors[0], BoxXYXY(-12, -12, 20, 20))
        XCTAssertEqual(centred.anchors[83], BoxXYXY(-16, -16, 112, 112))
        XCTAssertNotEqual(centred, AnchorLayout(.init(inputSize: 64)))
        // Non-multiple input: grids ⌈S/s⌉ (the conv stack's output sizes).
        XCTAssertEqual(AnchorLayout(.init(inputSize: 100)).levels.map(\.height), [13, 7, 4])
    }

    /// A 32 high × 64 wide canvas (keep-ratio batches): grids ⌈H/s⌉ × ⌈W/s⌉ = 4×8, 2×4, 1×2 →
    /// 42 anchors, rows of W_l anchors; the head row of image n is n·H_l·W_l + (a − start).
    func testRectangularCanvas() {
        let layout = AnchorLayout(.init(height: 32, width: 64))
        XCTAssertEqual(layout.levels.map(\.height), [4, 2, 1])
        XCTAssertEqual(layout.levels.map(\.width), [8, 4, 2])
        XCTAssertEqual(layout.levelRanges, [0..<32, 32..<40, 40..<42])
        XCTAssertEqual(layout.anchors[9], BoxXYXY(-8, -8, 24, 24))      // P3 row 1, col 1: centre (8, 8)
        XCTAssertEqual(layout.anchors[31], BoxXYXY(40, 8, 72, 40))      // P3 (3, 7): centre (56, 24)
        XCTAssertEqual(layout.anchors[39], BoxXYXY(16, -16, 80, 48))    // P4 (1, 3): centre (48, 16)
        XCTAssertEqual(layout.anchors[41], BoxXYXY(-32, -64, 96, 64))   // P5 (0, 1): centre (32, 0)
        XCTAssertEqual(layout.address(image: 1, anchor: 39), HeadAddress(level: 1, row: 15))
        // A 40 × 20 image inside it: ⌈40/s⌉ columns × ⌈20/s⌉ rows per level.
        let valid = layout.validFlags(width: 40, height: 20)
        XCTAssertEqual(valid[0..<32].filter { $0 }.count, 5 * 3)
        XCTAssertEqual(valid[32..<40].filter { $0 }.count, 3 * 2)
        XCTAssertEqual(Array(valid[40..<42]), [true, true])
        XCTAssertTrue(valid[2 * 8 + 4]); XCTAssertFalse(valid[2 * 8 + 5]); XCTAssertFalse(valid[3 * 8])
        // The square config is the H = W case.
        XCTAssertEqual(AnchorLayout(.init(inputSize: 64)), AnchorLayout(.init(height: 64, width: 64)))
    }

    /// The cache builds each canvas once and hands back the same layout.
    func testLayoutCache() {
        let cache = AnchorLayoutCache(.init(inputSize: 64, strides: [8, 16], anchorScale: 2))
        let a = cache.layout(height: 96, width: 160)
        XCTAssertEqual(a.config, AnchorLayout.Config(height: 96, width: 160, strides: [8, 16], anchorScale: 2))
        XCTAssertEqual(a.count, 12 * 20 + 6 * 10)
        XCTAssertEqual(cache.layout(height: 96, width: 160), a)
        XCTAssertEqual(cache.count, 1)
        XCTAssertNotEqual(cache.layout(height: 160, width: 96), a, "height and width are not interchangeable")
        XCTAssertEqual(cache.count, 2)
    }

    /// Unpadded image 40×20 inside the 64×64 input: valid columns/rows ⌈40/s⌉ × ⌈20/s⌉ per level.
    func testValidFlagsOfSmallerImage() {
        let layout = AnchorLayout(.init(inputSize: 64))
        let valid = layout.validFlags(width: 40, height: 20)
        XCTAssertEqual(valid.count, 84)
        XCTAssertEqual(valid[0..<64].filter { $0 }.count, 5 * 3)
        XCTAssertEqual(valid[64..<80].filter { $0 }.count, 3 * 2)
        XCTAssertEqual(valid[80..<84].filter { $0 }.count, 2 * 1)
        XCTAssertTrue(valid[2 * 8 + 4])     // P3 row 2, col 4
        XCTAssertFalse(valid[2 * 8 + 5])    // col 5 ≥ ⌈40/8⌉
        XCTAssertFalse(valid[3 * 8 + 0])    // row 3 ≥ ⌈20/8⌉
        XCTAssertTrue(valid[64 + 1 * 4 + 2])
        XCTAssertEqual(Array(valid[80..<84]), [true, true, false, false])
        // Extent rounded up to the stride: 41 px wide → 6 P3 columns.
        XCTAssertTrue(layout.validFlags(width: 41, height: 20)[5])
        XCTAssertEqual(layout.validFlags(width: 64, height: 64), [Bool](repeating: true, count: 84))
        XCTAssertEqual(layout.validFlags(width: 0, height: 64), [Bool](repeating: false, count: 84))
    }
}
