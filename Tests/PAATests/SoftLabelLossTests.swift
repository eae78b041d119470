import Detection
import Engine
import Models
@testable import PAA
import TestSupport
import XCTest

final class SoftLabelLossTests: XCTestCase {
    let layout = AnchorLayout(.init(inputSize: 64, strides: [8, 16, 32], anchorScale: 2, centerOffset: 0))

    func outputs(seed: UInt64, scale: Float = 1) -> HeadOutputs {
        HeadOutputs(cls: layout.levels.map { randomTensor([2, $0.height, $0.width, 3], seed: seed, scale: scale) },
                    reg: layout.levels.map { randomTensor([2, $0.height, $0.width, 4], seed: seed + 1, scale: 0.5 * scale) },
                    iou: layout.levels.map { randomTensor([2, $0.height, $0.width, 1], seed: seed + 2, scale: scale) })
    }

    let gt = [ObjectTargets(boxes: [BoxXYXY(x1: 10, y1: 12, x2: 30, y2: 40), BoxXYXY(x1: 36, y1: 30, x2: 60, y2: 52)], labels: [0, 2]),
              ObjectTargets(boxes: [BoxXYXY(x1: 20, y1: 20, x2: 44, y2: 44)], labels: [1])]

    func loss(_ student: HeadOutputs, _ teacher: HeadOutputs, minIoU: Double = 0.1) -> SoftLabelLossResult {
        let valid = [layout.validFlags(width: 64, height: 64), layout.validFlags(width: 64, height: 48)]
        return SoftLabelLoss(layout: layout, config: .init(minIoU: minIoU))(
            student: student, teacher: teacher, groundTruth: gt, valid: valid, imageSizes: [(64, 64), (64, 48)])
    }

    /// Hand case: a student equal to its teacher has KL 0 and GIoU 1 everywhere, so every part
    /// and every gradient is 0 (up to the 1e-6 inside the focal factor, which multiplies KL = 0);
    /// the region is non-empty and Z = Σω ≥ 1.
    func testStudentEqualToTeacherHasZeroLoss() {
        let t = outputs(seed: 3)
        let r = loss(t, t)
        XCTAssertGreaterThan(r.regionSize, 0)
        XCTAssertGreaterThanOrEqual(r.normalizer, 1)
        XCTAssertEqual(r.cls, 0, accuracy: 1e-9); XCTAssertEqual(r.iou, 0, accuracy: 1e-9); XCTAssertEqual(r.box, 0, accuracy: 1e-9)
        for l in 0..<3 {
            XCTAssertLessThan(r.gradients.cls[l].data.map(abs).max()!, 1e-6)
            XCTAssertLessThan(r.gradients.reg[l].data.map(abs).max()!, 1e-6)
        }
        // A stricter min_iou can only shrink the region.
        XCTAssertLessThanOrEqual(loss(t, t, minIoU: 0.5).regionSize, r.regionSize)
    }

    /// Central finite differences of the total w.r.t. a sample of student outputs of every kind.
    func testGradientsMatchFiniteDifferences() {
        let teacher = outputs(seed: 7), student = outputs(seed: 11)
        let r = loss(student, teacher)
        XCTAssertGreaterThan(r.cls, 0); XCTAssertGreaterThan(r.iou, 0); XCTAssertGreaterThan(r.box, 0)
        var checked = 0
        for l in 0..<3 {
            for (kind, count) in [("cls", student.cls[l].count), ("reg", student.reg[l].count), ("iou", student.iou[l].count)] {
                for i in Set([0, count / 3, count / 2, count - 1]) {
                    func total(_ h: Float) -> Double {
                        var s = student
                        switch kind {
                        case "cls": s.cls[l].data[i] += h
                        case "reg": s.reg[l].data[i] += h
                        default: s.iou[l].data[i] += h
                        }
                        return loss(s, teacher).total
                    }
                    let num = (total(1e-3) - total(-1e-3)) / 2e-3
                    let ana: Float = kind == "cls" ? r.gradients.cls[l].data[i] : kind == "reg" ? r.gradients.reg[l].data[i] : r.gradients.iou[l].data[i]
                    XCTAssertEqual(Double(ana), num, accuracy: 2e-3 * max(1, abs(num)), "\(kind) level \(l) [\(i)]")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 30)
    }
}
