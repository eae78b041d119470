import Engine
import Foundation
import TestSupport
import XCTest
@testable import Evaluation

final class LargeInputTests: XCTestCase {
    /// 500 images × 3000 detections, 20 categories, some crowd: a larger input evaluates to sane
    /// numbers. (Speed is a benchmark's business, not a unit test's.)
    func testFiveHundredImagesThreeThousandDetections() throws {
        var rng = SplitMix64(seed: 42)
        let images = (1...500).map { GroundTruth.Image(id: $0, width: 640, height: 480) }
        var annotations: [GroundTruth.Annotation] = []
        for id in 1...3500 {
            let b = box(rng.uniform(0, 400), rng.uniform(0, 300), rng.uniform(5, 250), rng.uniform(5, 250))
            annotations.append(.init(id: id, imageId: Int(rng.next() % 500) + 1, categoryId: Int(rng.next() % 20) + 1,
                                     bbox: b, isCrowd: rng.uniform(0, 1) < 0.02))
        }
        var detections: [Detection] = []
        for _ in 0..<3000 {
            let a = annotations[Int(rng.next() % UInt64(annotations.count))]
            let b = box(a.bbox.x + rng.uniform(-8, 8), a.bbox.y + rng.uniform(-8, 8), a.bbox.width, a.bbox.height)
            detections.append(Detection(imageId: a.imageId, categoryId: a.categoryId, bbox: b, score: rng.uniform(0, 1)))
        }
        let gt = GroundTruth(images: images, annotations: annotations,
                             categories: (1...20).map { .init(id: $0, name: "c\($0)") })
        let metrics = try COCOEvaluator(groundTruth: gt).evaluate(detections)
        XCTAssertTrue(metrics.stats.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(metrics.stats)")
        XCTAssertGreaterThan(metrics.ap50, metrics.ap)
    }
}
