import Foundation
import XCTest
@testable import Evaluation

final class LargeInputTests: XCTestCase {
    /// 500 images × 3000 detections, 20 categories, some crowd: a larger input evaluates to sane
    /// numbers. (Speed is a benchmark's business, not a unit test's.)
    func testFiveHundredImagesThreeThousandDetections() throws {
        var rng = SeededGenerator(seed: 42)
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

/// Small deterministic generator for test data (SplitMix64 steps).
struct SeededGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
}
