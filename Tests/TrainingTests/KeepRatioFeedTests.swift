// Per-iteration canvases of the keep-ratio pipeline (DataFeed): every data-parallel rank pads to
// its global batch's canvas, computed from recorded image sizes without decoding.
import Config
import Datasets
import Detection
import Training
import XCTest

/// Images of varied sizes (landscape, portrait, square), one box each; counts the decodes.
private final class VariedSizes: DetectionDataset {
    static let sizes = [(160, 96), (96, 160), (200, 120), (128, 128), (144, 112), (112, 176)]
    var count: Int { 24 }
    var classNames: [String] { ["thing"] }
    var decodes = 0
    func imageSize(_ index: Int) throws -> (width: Int, height: Int) { Self.sizes[index % Self.sizes.count] }
    func load(_ index: Int) throws -> Sample {
        decodes += 1
        let (w, h) = Self.sizes[index % Self.sizes.count]
        return Sample(image: RGBImage(width: w, height: h), boxes: [BoxXYXY(x1: 4, y1: 4, x2: 40, y2: 40)], labels: [0], imageId: index + 1)
    }
}

final class KeepRatioFeedTests: XCTestCase {
    private func config() -> TrainingConfig {
        var c = miniConfig(.colad)
        c.data.resize = .keepRatio
        c.data.maxSize = 200
        c.data.shortSide = 128
        c.data.shortSideRange = [96, 128]
        return c
    }

    /// Two ranks of a group of 2 and the single-rank feed at the same global batch (4) pad every
    /// iteration to one canvas, which fits every image of the global batch, is a multiple of 32
    /// and varies between iterations; the canvas comes from the recorded sizes (no decode).
    func testEveryRankPadsToItsGlobalBatchsCanvas() throws {
        let data = VariedSizes()
        let whole = try DataFeed(dataset: data, config: config(), groupSize: 1, groupRank: 0, batchPerRank: 4)
        let ranks = try (0..<2).map { try DataFeed(dataset: data, config: config(), groupSize: 2, groupRank: $0, batchPerRank: 2) }
        var canvases = Set<[Int]>()
        var position = SamplerPosition()
        for _ in 0..<12 {
            let before = data.decodes
            let canvas = try whole.canvas(at: position)
            XCTAssertEqual(data.decodes, before, "the canvas needs no decode")
            let reference = try whole.batch(at: position)
            XCTAssertEqual([reference.height, reference.width], [canvas.height, canvas.width])
            XCTAssertEqual(canvas.height % 32, 0); XCTAssertEqual(canvas.width % 32, 0)
            XCTAssertEqual(canvas.height, (reference.validHeights.max()! + 31) / 32 * 32, "the largest image sets the canvas")
            XCTAssertEqual(canvas.width, (reference.validWidths.max()! + 31) / 32 * 32)
            for (r, feed) in ranks.enumerated() {
                let b = try feed.batch(at: position)
                XCTAssertEqual(b.inputShape, [2, canvas.height, canvas.width, 3], "rank \(r)")
                XCTAssertEqual(b.validWidths, Array(reference.validWidths[(2 * r)..<(2 * r + 2)]))
                XCTAssertEqual(b.images, Array(reference.images[(2 * r * b.images.count / 2)..<((2 * r + 2) * b.images.count / 2)]),
                               "rank \(r)'s images are the reference's, bit for bit")
            }
            canvases.insert([canvas.height, canvas.width])
            position = whole.sampler.position(after: position)
        }
        XCTAssertGreaterThan(canvases.count, 1, "canvases vary: \(canvases)")
    }

    /// Square resizing keeps the preset's fixed canvas.
    func testSquareKeepsItsCanvas() throws {
        var c = miniConfig(.baseline)
        c.data.imageSize = 96
        let feed = try DataFeed(dataset: VariedSizes(), config: c, batchPerRank: 2)
        let b = try feed.batch(at: SamplerPosition())
        XCTAssertEqual(b.inputShape, [2, 96, 96, 3])
    }
}
