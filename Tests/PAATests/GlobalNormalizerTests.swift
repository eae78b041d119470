import Detection
import Engine
import Models
@testable import PAA
import TestSupport
import XCTest

/// Data-parallel ranks compute their share of a batch's loss with the batch's global normalisers
/// (the sums of `normalizerSums` / `regionWeightSum` over ranks). Splitting a batch of two images
/// into two ranks of one must give the same total loss, and each rank's gradients must equal
/// that image's slice of the whole batch's gradients.
final class GlobalNormalizerTests: XCTestCase {
    let layout = AnchorLayout(.init(inputSize: 64))

    /// Image `b` of a batch as a batch of one.
    func slice(_ o: HeadOutputs, _ b: Int) -> HeadOutputs {
        func one(_ t: Tensor) -> Tensor {
            let per = t.data.count / t.shape[0]
            return Tensor(shape: [1] + t.shape.dropFirst(), data: Array(t.data[(b * per)..<((b + 1) * per)]))
        }
        return HeadOutputs(cls: o.cls.map(one), reg: o.reg.map(one), iou: o.iou.map(one))
    }

    func assertSliceEqual(_ whole: HeadOutputs, _ part: HeadOutputs, image b: Int, file: StaticString = #filePath, line: UInt = #line) {
        let expected = slice(whole, b)
        for (x, y) in zip(expected.cls + expected.reg + expected.iou, part.cls + part.reg + part.iou) {
            for (u, v) in zip(x.data, y.data) { XCTAssertEqual(u, v, accuracy: 1e-6 * max(1, abs(u)), file: file, line: line) }
        }
    }

    func testPAALossSplitsAcrossRanks() {
        for variant in [PAALossConfig.Variant.paa, .lad] {
            let (outputs, assignments, gts) = randomPAABatch(layout: layout, classes: 3, seed: 11)
            XCTAssertGreaterThan(assignments[0].numPositives, 0); XCTAssertGreaterThan(assignments[1].numPositives, 0)
            let loss = PAALoss(layout: layout, config: PAALossConfig(variant: variant))
            let whole = loss(outputs, assignments: assignments, groundTruth: gts)
            let parts = [0, 1].map { b in (slice(outputs, b), [assignments[b]], [gts[b]]) }
            let sums = parts.map { loss.normalizerSums($0.0, assignments: $0.1, groundTruth: $0.2) }
            let global = LossNormalizers(zip(sums[0].array, sums[1].array).map { $0 + $1 })
            XCTAssertEqual(global.positives, Double(whole.numPositives))
            XCTAssertEqual(global.images, 2)
            let ranks = parts.map { loss($0.0, assignments: $0.1, groundTruth: $0.2, normalizers: global) }
            XCTAssertEqual(ranks[0].cls + ranks[1].cls, whole.cls, accuracy: 1e-9)
            XCTAssertEqual(ranks[0].box + ranks[1].box, whole.box, accuracy: 1e-9)
            XCTAssertEqual(ranks[0].iou + ranks[1].iou, whole.iou, accuracy: 1e-9)
            for b in 0..<2 { assertSliceEqual(whole.gradients, ranks[b].gradients, image: b) }
            // Without the global normalisers the shares do not add up (the test can fail).
            let local = parts.map { loss($0.0, assignments: $0.1, groundTruth: $0.2) }
            XCTAssertNotEqual(local[0].total + local[1].total, whole.total, accuracy: 1e-6)
        }
    }

    func testSoftLabelLossSplitsAcrossRanks() {
        let gt = softLabelObjects
        let student = randomSoftLabelOutputs(layout: layout, seed: 5)
        let teacher = randomSoftLabelOutputs(layout: layout, seed: 9, scale: 1.2)
        let valid = [layout.validFlags(width: 64, height: 64), layout.validFlags(width: 64, height: 48)]
        let sizes: [(width: Float, height: Float)] = [(64, 64), (64, 48)]
        let loss = SoftLabelLoss(layout: layout, config: .init(minIoU: 0.1))
        let whole = loss(student: student, teacher: teacher, groundTruth: gt, valid: valid, imageSizes: sizes)
        let z = (0..<2).map { b in loss.regionWeightSum(teacher: slice(teacher, b), groundTruth: [gt[b]], valid: [valid[b]], imageSizes: [sizes[b]]) }
        XCTAssertEqual(max(1, z[0] + z[1]), whole.normalizer, accuracy: 1e-12)
        let ranks = (0..<2).map { b in
            loss(student: slice(student, b), teacher: slice(teacher, b), groundTruth: [gt[b]], valid: [valid[b]], imageSizes: [sizes[b]],
                 normalizer: max(1, z[0] + z[1]))
        }
        XCTAssertEqual(ranks[0].cls + ranks[1].cls, whole.cls, accuracy: 1e-9)
        XCTAssertEqual(ranks[0].iou + ranks[1].iou, whole.iou, accuracy: 1e-9)
        XCTAssertEqual(ranks[0].box + ranks[1].box, whole.box, accuracy: 1e-9)
        for b in 0..<2 { assertSliceEqual(whole.gradients, ranks[b].gradients, image: b) }
    }
}
