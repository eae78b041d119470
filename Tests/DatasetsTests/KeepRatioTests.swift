// The reference's keep-ratio pipeline (Preprocess.Resize.keepRatio): mmdet's rescale_size
// arithmetic by hand, the multi-scale short-side draw, and per-batch padding to a multiple of 32.
import Detection
import TestSupport
import XCTest
@testable import Datasets

final class KeepRatioTests: XCTestCase {
    /// A `width × height` image of one colour with one box.
    private func sample(_ width: Int, _ height: Int, id: Int, box: BoxXYXY) -> Sample {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height { for x in 0..<width { image[x, y] = (200, 100, 50) } }
        return Sample(image: image, boxes: [box], labels: [1], imageId: id)
    }

    /// Hand case, long 300 / short 200 and long 300 / short 100:
    ///   150×100 → min(300/150, 200/100) = 2     → 300×200
    ///   100×150 → min(300/150, 200/100) = 2     → 200×300 (portrait: the long side is the height)
    ///   120×80, short 100 → min(2.5, 1.25) = 1.25 → 150×100 (the short side binds)
    ///   400×100           → min(0.75, 2) = 0.75   → 300×75  (the long side binds; 75 = ⌊75 + 0.5⌋)
    func testRescaleSizeByHand() {
        let p = Preprocess(resize: .keepRatio(long: 300, short: 200, shortRange: nil))
        XCTAssertTrue(p.resizedExtent(width: 150, height: 100) == (2, 300, 200))
        XCTAssertTrue(p.resizedExtent(width: 100, height: 150) == (2, 200, 300))
        let q = Preprocess(resize: .keepRatio(long: 300, short: 100, shortRange: nil))
        XCTAssertTrue(q.resizedExtent(width: 120, height: 80) == (1.25, 150, 100))
        XCTAssertTrue(q.resizedExtent(width: 400, height: 100) == (0.75, 300, 75))
        // The reference's 1333 × 800 on COCO's common 640×480: min(2.083, 1.667) → 1067×800.
        let r = Preprocess(resize: .keepRatio(long: 1333, short: 800, shortRange: nil)).resizedExtent(width: 640, height: 480)
        XCTAssertEqual(r.width, 1067); XCTAssertEqual(r.height, 800)
    }

    /// Canvas = the batch's largest extents, each rounded up to 32: extents 300×200 and 200×300
    /// → 320 high × 320 wide; 150×100 alone → 128 × 160.
    func testCanvasRoundsTheLargestExtentsUpTo32() {
        let p = Preprocess(resize: .keepRatio(long: 300, short: 200, shortRange: nil))
        XCTAssertTrue(p.canvas(forExtents: [(300, 200), (200, 300)]) == (320, 320))
        XCTAssertTrue(p.canvas(forExtents: [(150, 100)]) == (128, 160))
        XCTAssertTrue(p.canvas(forExtents: [(64, 32)]) == (32, 64))
        XCTAssertTrue(Preprocess(size: 96).canvas(forExtents: [(300, 200)]) == (96, 96), "square: always S × S")
    }

    /// A landscape and a portrait image in one batch: each is resized by its own scale, written
    /// top-left into the shared canvas, padded with 0 (the mean), boxes scaled with it.
    func testBatchOfMixedAspects() throws {
        let p = Preprocess(resize: .keepRatio(long: 300, short: 200, shortRange: nil))
        let a = sample(150, 100, id: 1, box: BoxXYXY(x1: 10, y1: 20, x2: 50, y2: 60))
        let b = sample(100, 150, id: 2, box: BoxXYXY(x1: 0, y1: 0, x2: 100, y2: 150))
        let batch = try p.prepare([a, b], indices: [0, 1], epoch: 0)
        XCTAssertEqual(batch.height, 320); XCTAssertEqual(batch.width, 320)
        XCTAssertEqual(batch.inputShape, [2, 320, 320, 3])
        XCTAssertEqual(batch.images.count, 2 * 320 * 320 * 3)
        XCTAssertEqual(batch.validWidths, [300, 200]); XCTAssertEqual(batch.validHeights, [200, 300])
        XCTAssertEqual(batch.boxes[0], [BoxXYXY(x1: 20, y1: 40, x2: 100, y2: 120)])
        XCTAssertEqual(batch.boxes[1], [BoxXYXY(x1: 0, y1: 0, x2: 200, y2: 300)])
        func px(_ n: Int, _ x: Int, _ y: Int) -> Float { batch.images[((n * 320 + y) * 320 + x) * 3] }
        let red = (200 - p.mean[0]) / p.std[0]
        XCTAssertEqual(px(0, 299, 199), red, accuracy: 1e-5)
        XCTAssertEqual(px(0, 300, 10), 0); XCTAssertEqual(px(0, 10, 200), 0)
        XCTAssertEqual(px(1, 199, 299), red, accuracy: 1e-5)
        XCTAssertEqual(px(1, 200, 10), 0); XCTAssertEqual(px(1, 10, 300), 0)
        // A box maps back to the original image.
        XCTAssertEqual(batch.toImageCoordinates(BoxXYXY(x1: 20, y1: 40, x2: 100, y2: 120), item: 0), a.boxes[0])
    }

    /// A canvas given by the caller (the global batch's) is used when the images fit, and an
    /// image that does not fit is an error naming it, not a silent crop.
    func testGivenCanvas() throws {
        let p = Preprocess(resize: .keepRatio(long: 300, short: 200, shortRange: nil))
        let a = sample(150, 100, id: 7, box: BoxXYXY(x1: 10, y1: 20, x2: 50, y2: 60))
        let batch = try p.prepare([a], indices: [0], epoch: 0, canvas: (320, 352))
        XCTAssertEqual(batch.inputShape, [1, 320, 352, 3])
        XCTAssertThrowsError(try p.prepare([a], indices: [0], epoch: 0, canvas: (192, 320))) { error in
            XCTAssertTrue("\(error)".contains("image 7 resizes to 200x300"), "\(error)")
        }
    }

    /// Multi-scale: with augmentation the short side is drawn per (seed, epoch, index) from the
    /// whole range, the same draw every time; without it the short side is the configured one.
    func testShortSideDraw() {
        var seen = Set<Int>()
        for index in 0..<2000 {
            let s = Preprocess.shortSideDraw(seed: 3, epoch: 1, index: index, range: 96...100)
            XCTAssertTrue((96...100).contains(s))
            XCTAssertEqual(s, Preprocess.shortSideDraw(seed: 3, epoch: 1, index: index, range: 96...100))
            seen.insert(s)
        }
        XCTAssertEqual(seen, Set(96...100), "every value of the range is drawn")
        let draws = (0..<50).map { Preprocess.shortSideDraw(seed: 3, epoch: 1, index: $0, range: 640...800) }
        XCTAssertNotEqual(draws, (0..<50).map { Preprocess.shortSideDraw(seed: 3, epoch: 2, index: $0, range: 640...800) },
                          "another epoch draws again")
        var train = Preprocess(resize: .keepRatio(long: 1333, short: 800, shortRange: 640...800), augment: true, seed: 3)
        let e = train.resizedExtent(width: 640, height: 480, epoch: 1, index: 5)
        XCTAssertEqual(e.height, Preprocess.shortSideDraw(seed: 3, epoch: 1, index: 5, range: 640...800))
        train.augment = false
        XCTAssertEqual(train.resizedExtent(width: 640, height: 480, epoch: 1, index: 5).height, 800, "evaluation: single scale")
    }

    /// Independent reference (Tests/Fixtures/scripts/make_keep_ratio_fixtures.py): mmcv's
    /// `rescale_size` on 54 sizes (COCO-like, square, 30:1 slivers, 1×1) at (1333, 800),
    /// (1333, 640) and (200, 128) gives colad's extents exactly, and the factors are the extents'
    /// ratios per axis.
    func testExtentsMatchMMCV() throws {
        let doc = try XCTUnwrap(loadFixtureJSON("datasets/keep_ratio_mmcv.json") as? [String: Any])
        let cases = try XCTUnwrap(doc["extents"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 162)
        for c in cases {
            let v = ints([c["long"]!, c["short"]!, c["width"]!, c["height"]!, c["new_width"]!, c["new_height"]!])
            let e = Preprocess(resize: .keepRatio(long: v[0], short: v[1], shortRange: nil)).resizedExtent(width: v[2], height: v[3])
            XCTAssertEqual([e.width, e.height], [v[4], v[5]], "\(v[2])x\(v[3]) into (\(v[0]), \(v[1]))")
            XCTAssertEqual(e.scale, ResizeScale(x: Float(v[4]) / Float(v[2]), y: Float(v[5]) / Float(v[3])), "mmdet's w_scale, h_scale")
        }
    }

    /// A 13×7 pattern resized into (20, 12) → 20×11: colad's float bilinear equals PyTorch's
    /// `interpolate(bilinear, align_corners=False)` in float64 to float32 error, and mmcv's uint8 OpenCV
    /// output within its rounding (≤ 1 level; OpenCV's fixed-point weights add at most one more).
    func testPixelsMatchTorchAndMMCV() throws {
        let doc = try XCTUnwrap(loadFixtureJSON("datasets/keep_ratio_mmcv.json") as? [String: Any])
        let f = try XCTUnwrap(doc["image"] as? [String: Any])
        let w = ints([f["width"]!])[0], h = ints([f["height"]!])[0]
        let pixels = ints(f["pixels"])
        var image = RGBImage(width: w, height: h)
        for y in 0..<h { for x in 0..<w { let o = (y * w + x) * 3; image[x, y] = (UInt8(pixels[o]), UInt8(pixels[o + 1]), UInt8(pixels[o + 2])) } }
        var p = Preprocess(resize: .keepRatio(long: ints([f["long"]!])[0], short: ints([f["short"]!])[0], shortRange: nil))
        p.mean = [0, 0, 0]; p.std = [1, 1, 1]
        let batch = try p.prepare([Sample(image: image, boxes: [], labels: [], imageId: 1)], indices: [0], epoch: 0)
        let nw = ints([f["new_width"]!])[0], nh = ints([f["new_height"]!])[0]
        XCTAssertEqual([batch.validWidths[0], batch.validHeights[0]], [nw, nh])
        var got: [Float] = []
        for y in 0..<nh { for x in 0..<nw { for c in 0..<3 { got.append(batch.images[(y * batch.width + x) * 3 + c]) } } }
        // float32 interpolation of 0–255 values: error ≈ 255 · a few ulp; measured max 1.2e-4.
        assertClose(got, floats(f["torch_float"]), atol: 255e-6, rtol: 0)
        let mmcv = floats(f["mmcv"])
        XCTAssertLessThanOrEqual(zip(got, mmcv).map { abs($0 - $1) }.max()!, 2, "OpenCV uint8 vs float")
    }

    func testValidation() {
        XCTAssertThrowsError(try Preprocess(resize: .keepRatio(long: 100, short: 200, shortRange: nil)).validate())
        XCTAssertThrowsError(try Preprocess(resize: .keepRatio(long: 300, short: 200, shortRange: 0...100)).validate())
        XCTAssertNoThrow(try Preprocess(resize: .keepRatio(long: 300, short: 200, shortRange: 100...200)).validate())
    }
}
