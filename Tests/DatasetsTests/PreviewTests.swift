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
