import XCTest
import TestSupport
@testable import Evaluation

/// Perfect and empty predictions on a small synthetic set with small and medium objects only.
final class IdentityAndEmptyTests: XCTestCase {
    /// 3 images, categories 5 and 9 (non-contiguous ids), small (< 32²) and medium boxes,
    /// no large ones; up to 2 objects per image and category.
    static let groundTruth: GroundTruth = {
        let images = [1, 2, 3].map { GroundTruth.Image(id: $0, width: 320, height: 240) }
        let boxes: [(Int, Int, COCOBox)] = [
            (1, 5, box(10, 10, 20, 20)), (1, 5, box(100, 100, 50, 40)), (1, 9, box(30, 60, 12, 25)),
            (2, 9, box(0, 0, 60, 60)), (2, 9, box(200, 100, 40, 30)),
            (3, 5, box(150, 20, 31, 33)),
        ]
        let annotations = boxes.enumerated().map { n, b in
            GroundTruth.Annotation(id: n + 1, imageId: b.0, categoryId: b.1, bbox: b.2)
        }
        return GroundTruth(images: images, annotations: annotations,
                           categories: [.init(id: 5, name: "five"), .init(id: 9, name: "nine")])
    }()

    func testPerfectPredictionsGiveAPOneWhereGTExists() throws {
        let gt = Self.groundTruth
        let detections = gt.annotations.map {
            Detection(imageId: $0.imageId, categoryId: $0.categoryId, bbox: $0.bbox, score: 1.0)
        }
        let m = try COCOEvaluator(groundTruth: gt).evaluate(detections)
        // tp / (tp + fp + eps) is 1 - O(1e-16), not exactly 1.
        assertClose([m.ap, m.ap50, m.ap75, m.apSmall, m.apMedium], [1, 1, 1, 1, 1], atol: 1e-12, rtol: 0)
        assertClose([m.ar10, m.ar100, m.arSmall, m.arMedium], [1, 1, 1, 1], atol: 1e-12, rtol: 0)
        XCTAssertEqual(m.apLarge, -1, "no large GT: pycocotools reports -1")
        XCTAssertEqual(m.arLarge, -1)
        // AR@1: one detection per image and category; both categories have an image with 2 GTs.
        // Category 5: 2 of 3 found; category 9: 2 of 3 found.
        assertClose(m.ar1, 2.0 / 3.0, atol: 1e-12, rtol: 0)
        XCTAssertEqual(m.perCategory.map(\.id), [5, 9])
        for c in m.perCategory { assertClose(try XCTUnwrap(c.ap), 1.0, atol: 1e-12, rtol: 0) }
    }

    func testEmptyPredictionsGiveZero() throws {
        let m = try COCOEvaluator(groundTruth: Self.groundTruth).evaluate([])
        XCTAssertEqual([m.ap, m.ap50, m.ap75, m.apSmall, m.apMedium], [0, 0, 0, 0, 0])
        XCTAssertEqual([m.ar1, m.ar10, m.ar100, m.arSmall, m.arMedium], [0, 0, 0, 0, 0])
        XCTAssertEqual(m.apLarge, -1)
        XCTAssertEqual(m.arLarge, -1)
        XCTAssertEqual(m.perCategory.map(\.ap), [0, 0])
    }

    func testGroundTruthWithoutAnnotationsGivesMinusOne() throws {
        var gt = Self.groundTruth
        gt.annotations = []
        let m = try COCOEvaluator(groundTruth: gt).evaluate([
            Detection(imageId: 1, categoryId: 5, bbox: box(0, 0, 10, 10), score: 0.5),
        ])
        XCTAssertEqual(m.stats, [Double](repeating: -1, count: 12))
        XCTAssertEqual(m.perCategory.map(\.ap), [nil, nil])
        XCTAssertTrue(m.summaryLines[0].hasSuffix("] = -1.000"), m.summaryLines[0])
    }
}
