import XCTest
import TestSupport
@testable import Evaluation

final class HandComputedTests: XCTestCase {
    /// Two images, categories 1 ("cat") and 2 ("dog"); every box is 40x40 (area 1600, medium).
    ///
    /// GT: image 1: cat A [0,0,40,40], dog B [100,100,40,40];
    ///     image 2: cat C [0,0,40,40], cat D [50,50,40,40].
    /// Detections:
    ///     cat img1 [0,0,40,40]     0.90  → A, IoU 1
    ///     cat img2 [200,200,40,40] 0.85  → nothing (FP)
    ///     cat img2 [0,0,40,40]     0.80  → C, IoU 1
    ///     cat img2 [50,50,40,36]   0.70  → D, IoU 1440/1600 = 0.9
    ///     dog img1 [100,100,40,40] 0.60  → B, IoU 1
    ///     dog img2 [0,0,40,40]     0.95  → FP (no dog in image 2)
    ///
    /// cat, thresholds .50….90 (9 of them; .90 is 0.8999999999999999 ≤ 0.9): ranked TP FP TP TP,
    ///   recall 1/3 1/3 2/3 1, precision 1 .5 .667 .75 → envelope 1 .75 .75 .75.
    ///   Recall points 0….33 (34) → 1; .34…1.00 (67) → .75.  AP = (34 + 67·.75)/101 = 84.25/101.
    /// cat, threshold .95: TP FP TP FP, recall 1/3 1/3 2/3 2/3, precision 1 .5 .667 .5
    ///   → envelope 1 .667 .667 .5.  Points 0….33 → 1 (34); .34….66 → 2/3 (33); rest 0.
    ///   AP = (34 + 22)/101 = 56/101.
    /// cat AP = (9 · 84.25/101 + 56/101) / 10 = 814.25/1010.
    /// dog: FP then TP, recall 0 1, precision 0 .5 → envelope .5 .5: AP .5 at every threshold.
    /// mAP = (814.25/1010 + .5)/2; AP50 = AP75 = (84.25/101 + .5)/2; small/large: no GT → -1.
    /// AR100: cat (9·1 + 2/3)/10, dog 1.  AR1 (top-1 per image): cat 1/3 (image 2's top is the FP),
    /// dog 1.
    func testTinyCaseByHand() throws {
        let gt = GroundTruth(
            images: [.init(id: 1, width: 300, height: 300), .init(id: 2, width: 300, height: 300)],
            annotations: [
                .init(id: 1, imageId: 1, categoryId: 1, bbox: box(0, 0, 40, 40)),
                .init(id: 2, imageId: 1, categoryId: 2, bbox: box(100, 100, 40, 40)),
                .init(id: 3, imageId: 2, categoryId: 1, bbox: box(0, 0, 40, 40)),
                .init(id: 4, imageId: 2, categoryId: 1, bbox: box(50, 50, 40, 40)),
            ],
            categories: [.init(id: 1, name: "cat"), .init(id: 2, name: "dog")])
        let dets = [
            Detection(imageId: 1, categoryId: 1, bbox: box(0, 0, 40, 40), score: 0.90),
            Detection(imageId: 2, categoryId: 1, bbox: box(200, 200, 40, 40), score: 0.85),
            Detection(imageId: 2, categoryId: 1, bbox: box(0, 0, 40, 40), score: 0.80),
            Detection(imageId: 2, categoryId: 1, bbox: box(50, 50, 40, 36), score: 0.70),
            Detection(imageId: 1, categoryId: 2, bbox: box(100, 100, 40, 40), score: 0.60),
            Detection(imageId: 2, categoryId: 2, bbox: box(0, 0, 40, 40), score: 0.95),
        ]
        let m = try COCOEvaluator(groundTruth: gt).evaluate(dets)

        let catAP = 814.25 / 1010
        let ap50 = (84.25 / 101 + 0.5) / 2
        let ar100 = ((9 + 2.0 / 3) / 10 + 1) / 2
        let expected = [(catAP + 0.5) / 2, ap50, ap50, -1, (catAP + 0.5) / 2, -1,
                        (1.0 / 3 + 1) / 2, ar100, ar100, -1, ar100, -1]
        assertClose(m.stats, expected, atol: 1e-12, rtol: 0)
        assertClose(try XCTUnwrap(m.perCategory[0].ap), catAP, atol: 1e-12, rtol: 0)
        assertClose(try XCTUnwrap(m.perCategory[1].ap), 0.5, atol: 1e-12, rtol: 0)
        XCTAssertEqual(m.summaryLines[1],
                       " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.667")
    }

    /// A detection inside a crowd region is matched to it (IoU = intersection / detection area)
    /// and ignored, not counted as a false positive; one that is mostly outside is an FP.
    func testCrowdRegionsIgnoreDetectionsInside() throws {
        let gt = GroundTruth(
            images: [.init(id: 7, width: 300, height: 300)],
            annotations: [
                .init(id: 1, imageId: 7, categoryId: 3, bbox: box(0, 0, 50, 50)),
                .init(id: 2, imageId: 7, categoryId: 3, bbox: box(100, 100, 100, 100), isCrowd: true),
            ],
            categories: [.init(id: 3, name: "person")])
        let evaluator = try COCOEvaluator(groundTruth: gt)
        let hit = Detection(imageId: 7, categoryId: 3, bbox: box(0, 0, 50, 50), score: 0.5)
        let inside = Detection(imageId: 7, categoryId: 3, bbox: box(120, 120, 30, 30), score: 0.9)
        let outside = Detection(imageId: 7, categoryId: 3, bbox: box(180, 180, 40, 40), score: 0.9)

        let alone = try evaluator.evaluate([hit])
        let withInside = try evaluator.evaluate([hit, inside])
        let withOutside = try evaluator.evaluate([hit, outside])
        assertClose(alone.ap, 1.0, atol: 1e-12, rtol: 0)
        var expected = alone.stats
        // Except AR@1: the crowd detection (higher score) takes the one slot per image.
        expected[6] = 0
        XCTAssertEqual(withInside.stats, expected, "a detection inside a crowd region is no false positive")
        // outside: inter 20·20 / 1600 = .25 < .5 → FP ranked first: precision .5 at every recall.
        assertClose(withOutside.ap, 0.5, atol: 1e-12, rtol: 0)
        XCTAssertEqual(withOutside.ar100, 1.0)
    }

    /// The annotation's `area` field (not the box) picks the area range; without it, w·h.
    func testAreaFieldDecidesAreaRange() throws {
        func metrics(area: Double?) throws -> COCOMetrics {
            let gt = GroundTruth(
                images: [.init(id: 1, width: 100, height: 100)],
                annotations: [.init(id: 1, imageId: 1, categoryId: 1, bbox: box(0, 0, 40, 40), area: area)],
                categories: [.init(id: 1, name: "x")])
            return try COCOEvaluator(groundTruth: gt).evaluate(
                [Detection(imageId: 1, categoryId: 1, bbox: box(0, 0, 40, 40), score: 1)])
        }
        let segArea = try metrics(area: 900)  // small by area field, medium by box
        XCTAssertGreaterThan(segArea.apSmall, 0.99)
        XCTAssertEqual(segArea.apMedium, -1)
        let boxArea = try metrics(area: nil)  // 1600: medium
        XCTAssertEqual(boxArea.apSmall, -1)
        XCTAssertGreaterThan(boxArea.apMedium, 0.99)
        let boundary = try metrics(area: 1024)  // 32²: in small and in medium (inclusive ranges)
        XCTAssertGreaterThan(boundary.apSmall, 0.99)
        XCTAssertGreaterThan(boundary.apMedium, 0.99)
    }

    func testBoxIoUMatchesMaskUtils() {
        XCTAssertEqual(cocoIoU(detection: box(0, 0, 10, 10), groundTruth: box(0, 0, 10, 10), isCrowd: false), 1)
        XCTAssertEqual(cocoIoU(detection: box(0, 0, 10, 10), groundTruth: box(5, 0, 10, 10), isCrowd: false), 50.0 / 150.0)
        XCTAssertEqual(cocoIoU(detection: box(0, 0, 10, 10), groundTruth: box(10, 0, 10, 10), isCrowd: false), 0,
                       "touching boxes do not overlap (no +1 in widths)")
        XCTAssertEqual(cocoIoU(detection: box(0, 0, 10, 10), groundTruth: box(50, 50, 5, 5), isCrowd: false), 0)
        XCTAssertEqual(cocoIoU(detection: box(0, 0, 10, 10), groundTruth: box(5, 0, 100, 100), isCrowd: true), 0.5,
                       "crowd: intersection / detection area")
        XCTAssertEqual(cocoIoU(detection: box(0, 0, 0, 10), groundTruth: box(0, 0, 10, 10), isCrowd: true), 0)
    }

    func testThresholdsMatchNumpyLinspace() {
        XCTAssertEqual(COCOParameters.iouThresholds.count, 10)
        XCTAssertEqual(COCOParameters.iouThresholds[8], 0.8999999999999999)
        XCTAssertEqual(COCOParameters.iouThresholds[5], 0.75)
        XCTAssertEqual(COCOParameters.recallThresholds.count, 101)
        XCTAssertEqual(COCOParameters.recallThresholds[35], 0.35000000000000003)
        XCTAssertEqual(COCOParameters.recallThresholds[100], 1.0)
    }
}
