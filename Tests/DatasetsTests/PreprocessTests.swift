import Detection
import TestSupport
import XCTest
@testable import Datasets

final class PreprocessTests: XCTestCase {
    private let mean: [Float] = [123.675, 116.28, 103.53]
    private let std: [Float] = [58.395, 57.12, 57.375]

    /// 64×32 image: left half red (200, 0, 0), right half blue (0, 0, 200); one box.
    private func halfAndHalf() -> Sample {
        var image = RGBImage(width: 64, height: 32)
        for y in 0..<32 { for x in 0..<64 { image[x, y] = x < 32 ? (200, 0, 0) : (0, 0, 200) } }
        return Sample(image: image, boxes: [BoxXYXY(x1: 10, y1: 4, x2: 30, y2: 20)], labels: [3], imageId: 77)
    }

    private func pixel(_ batch: PreparedBatch, _ n: Int, _ x: Int, _ y: Int) -> [Float] {
        let o = ((n * batch.height + y) * batch.width + x) * 3
        return Array(batch.images[o..<(o + 3)])
    }

    private func normalised(_ rgb: [Float]) -> [Float] { (0..<3).map { (rgb[$0] - mean[$0]) / std[$0] } }

    func testLetterboxHandComputed() throws {
        let batch = try Preprocess(size: 128).prepare([halfAndHalf()], indices: [0], epoch: 0)
        XCTAssertEqual(batch.count, 1)
        XCTAssertEqual(batch.images.count, 128 * 128 * 3)
        XCTAssertEqual(batch.scales, [2])
        XCTAssertEqual(batch.validWidths, [128])
        XCTAssertEqual(batch.validHeights, [64])
        XCTAssertEqual(batch.boxes, [[BoxXYXY(x1: 20, y1: 8, x2: 60, y2: 40)]])
        XCTAssertEqual(batch.labels, [[3]])
        XCTAssertEqual(batch.imageIds, [77])
        XCTAssertEqual(batch.flipped, [false])
        assertClose(pixel(batch, 0, 10, 10), normalised([200, 0, 0]))
        assertClose(pixel(batch, 0, 120, 60), normalised([0, 0, 200]))
        // Bilinear blend across the colour edge: output x 64 samples source x = 64.5 / 2 − 0.5 = 31.75,
        // i.e. 25 % of column 31 (red) and 75 % of column 32 (blue).
        assertClose(pixel(batch, 0, 64, 0), normalised([50, 0, 150]), atol: 1e-4)
        // Padding (rows 64…127) normalises to exactly 0.
        XCTAssertTrue(batch.images[(64 * 128 * 3)...].allSatisfy { $0 == 0 })
        // Mapping back to the image.
        XCTAssertEqual(batch.toImageCoordinates(BoxXYXY(x1: 20, y1: 8, x2: 60, y2: 40), item: 0),
                       BoxXYXY(x1: 10, y1: 4, x2: 30, y2: 20))
    }

    func testFlipHandComputed() throws {
        var pre = Preprocess(size: 128, augment: true, seed: 5)
        pre.flipProbability = 1
        let batch = try pre.prepare([halfAndHalf()], indices: [0], epoch: 0)
        XCTAssertEqual(batch.flipped, [true])
        // x' = 64 − x in the image, then ×2: (64−30)·2 = 68, (64−10)·2 = 108.
        XCTAssertEqual(batch.boxes, [[BoxXYXY(x1: 68, y1: 8, x2: 108, y2: 40)]])
        assertClose(pixel(batch, 0, 10, 10), normalised([0, 0, 200]))
        assertClose(pixel(batch, 0, 120, 10), normalised([200, 0, 0]))
        XCTAssertEqual(batch.toImageCoordinates(BoxXYXY(x1: 68, y1: 8, x2: 108, y2: 40), item: 0),
                       BoxXYXY(x1: 10, y1: 4, x2: 30, y2: 20))
        // Without `augment`, no flips whatever the probability.
        pre.augment = false
        XCTAssertEqual(try pre.prepare([halfAndHalf()], indices: [0], epoch: 0).flipped, [false])
    }

    func testSameSizeIsPureNormalisationAndBatchIsConcatenation() throws {
        let a = noiseImage(width: 16, height: 16, seed: 1), b = noiseImage(width: 16, height: 16, seed: 2)
        let samples = [a, b].enumerated().map { Sample(image: $1, boxes: [], labels: [], imageId: $0) }
        let batch = try Preprocess(size: 16).prepare(samples, indices: [0, 1], epoch: 0)
        XCTAssertEqual(batch.images.count, 2 * 16 * 16 * 3)
        let expected = (a.pixels + b.pixels).enumerated().map { (Float($1) - mean[$0 % 3]) / std[$0 % 3] }
        assertClose(batch.images, expected)
    }

    func testDownscaleGeometryAndDegenerateBoxes() throws {
        let sample = Sample(image: RGBImage(width: 400, height: 100),
                            boxes: [BoxXYXY(x1: 10, y1: 10, x2: 13, y2: 60),     // 3 px wide → 0.96: dropped
                                    BoxXYXY(x1: 100, y1: 50, x2: 200, y2: 53.2),  // 3.2 px high → 1.024: kept
                                    BoxXYXY(x1: 50, y1: 20, x2: 150, y2: 80)],
                            labels: [0, 1, 2], imageId: 1)
        let batch = try Preprocess(size: 128).prepare([sample], indices: [0], epoch: 0)
        XCTAssertEqual(batch.scales, [0.32])
        XCTAssertEqual(batch.validWidths, [128])
        XCTAssertEqual(batch.validHeights, [32])
        XCTAssertEqual(batch.droppedBoxes, 1)
        XCTAssertEqual(batch.labels, [[1, 2]])
        assertClose(batch.boxes[0].flatMap { [$0.x1, $0.y1, $0.x2, $0.y2] }, [32, 16, 64, 17.024, 16, 6.4, 48, 25.6])
    }

    func testFlipDrawsAreKeyedAndBalanced() throws {
        let draws = (0..<2000).map { Preprocess.flipDraw(seed: 3, epoch: 1, index: $0) }
        XCTAssertTrue((850...1150).contains(draws.filter { $0 }.count))
        XCTAssertEqual(draws, (0..<2000).map { Preprocess.flipDraw(seed: 3, epoch: 1, index: $0) })
        XCTAssertNotEqual(draws, (0..<2000).map { Preprocess.flipDraw(seed: 3, epoch: 2, index: $0) })
        XCTAssertNotEqual(draws, (0..<2000).map { Preprocess.flipDraw(seed: 4, epoch: 1, index: $0) })
    }
}

extension PreprocessTests {
    func testInvalidSettingsThrow() {
        let sample = Sample(image: RGBImage(width: 4, height: 4), boxes: [], labels: [], imageId: 0)
        assertDatasetError(["size = 0"]) { try Preprocess(size: 0).prepare([sample], indices: [0], epoch: 0) }
        var pre = Preprocess(size: 8)
        pre.std = [1, 0, 1]
        assertDatasetError(["std"]) { try pre.prepare([sample], indices: [0], epoch: 0) }
        assertDatasetError(["indices", "one dataset index per sample"]) { try Preprocess(size: 8).prepare([sample], indices: [], epoch: 0) }
    }
}
