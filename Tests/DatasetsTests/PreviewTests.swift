import Detection
import Foundation
import XCTest
@testable import Datasets

final class PreviewTests: XCTestCase {
    func testFontGlyphsAreWellFormedAndComplete() {
        for (character, source) in BitmapFont.glyphSource {
            let rows = source.split(separator: " ")
            XCTAssertEqual(rows.count, 7, "glyph \(character)")
            XCTAssertTrue(rows.allSatisfy { $0.count == 5 && $0.allSatisfy { $0 == "#" || $0 == "." } }, "glyph \(character)")
        }
        let required = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:%-_ "
        for character in required { XCTAssertNotNil(BitmapFont.glyphs[character], "missing \(character)") }
        XCTAssertEqual(BitmapFont.width(of: "ab"), 11)
    }

    func testDrawDetectionsMarksBoxAndLabel() {
        let image = RGBImage(width: 40, height: 40, fill: (128, 128, 128))
        let out = Preview.drawDetections(on: image, boxes: [BoxXYXY(x1: 10, y1: 15, x2: 30, y2: 35)], labels: [1],
                                         scores: [0.87], classNames: ["a", "cat"])
        let colour = Preview.classColour(1)
        XCTAssertTrue(out[10, 20] == colour && out[29, 20] == colour && out[20, 15] == colour && out[20, 34] == colour)
        XCTAssertTrue(out[9, 20] == (0, 0, 0), "dark frame outside the outline")
        XCTAssertTrue(out[20, 25] == (128, 128, 128), "inside untouched")
        // Tag above the box: class colour background with dark ink.
        let tagPixels = (6..<15).flatMap { y in (10..<40).map { x in out[x, y] } }
        XCTAssertTrue(tagPixels.contains { $0 == colour })
        XCTAssertTrue(tagPixels.contains { $0 == (0, 0, 0) })
        XCTAssertEqual(Preview.formatScore(0.87), "0.87")
        XCTAssertEqual(Preview.formatScore(0.05), "0.05")
        XCTAssertEqual(Preview.formatScore(1), "1.00")
    }

    /// Labels never pile on each other: the second label of two identical boxes goes below, the
    /// third inside; with no free place left a label is skipped. Placed tags never overlap.
    func testLabelsDoNotPileUp() {
        let box = BoxXYXY(x1: 20, y1: 30, x2: 60, y2: 70)
        let tagH = BitmapFont.glyphHeight + 2
        var placed: [Preview.LabelRect] = []
        var ys: [Int?] = []
        for _ in 0..<8 {
            let r = Preview.labelPlacement("cat 0.87", box: box, avoiding: placed, width: 100, height: 100)
            ys.append(r?.y)
            if let r { placed.append(r) }
        }
        XCTAssertEqual(ys, [29 - tagH, 71, 30, 30 + tagH, 29 - 2 * tagH, 71 + tagH, nil, nil])
        for (i, a) in placed.enumerated() {
            for b in placed[(i + 1)...] { XCTAssertFalse(a.overlaps(b), "\(a) overlaps \(b)") }
        }
        // A box elsewhere is labelled in its own first place.
        XCTAssertEqual(Preview.labelPlacement("dog", box: BoxXYXY(x1: 70, y1: 80, x2: 90, y2: 95), avoiding: placed,
                                              width: 100, height: 100)?.y, 79 - tagH)
    }

    /// Thick outlines; the first box (the highest score) is drawn on top of later ones.
    func testThicknessAndDrawOrder() {
        let image = RGBImage(width: 60, height: 60, fill: (128, 128, 128))
        let out = Preview.drawDetections(on: image, boxes: [BoxXYXY(x1: 10, y1: 20, x2: 40, y2: 50), BoxXYXY(x1: 10, y1: 20, x2: 30, y2: 50)],
                                         labels: [0, 1], classNames: ["a", "b"], thickness: 2)
        let first = Preview.classColour(0), second = Preview.classColour(1)
        XCTAssertTrue(out[10, 35] == first && out[11, 35] == first, "2 px, the first box's colour on top")
        XCTAssertTrue(out[29, 35] == second && out[28, 35] == second)
        XCTAssertTrue(out[12, 35] == (128, 128, 128))
    }

    func testGridLayoutAndPNGOutput() throws {
        let ds = try SyntheticDataset()
        let samples = try (0..<5).map { try ds.load($0) }
        let grid = Preview.renderGrid(samples: samples, classNames: ds.classNames, columns: 3, zoom: 2)
        XCTAssertEqual(grid.width, 4 + 3 * (256 + 4))
        XCTAssertEqual(grid.height, 4 + 2 * (256 + 4))
        // The second cell holds the enlarged second image (pixel away from boxes may differ; check the corner of the grid).
        XCTAssertTrue(grid[0, 0] == (32, 32, 32))
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("preview.png")
        try ImageCodec.write(grid, to: url)
        XCTAssertEqual(try ImageCodec.read(contentsOf: url), grid)
        XCTAssertEqual(Preview.renderGrid(samples: [], classNames: [], columns: 4).width, 4 + 4)
    }
}
