import Detection
import Engine
import Models
@testable import PAA
import TestSupport
import XCTest

final class SoftLabelLossTests: XCTestCase {
    let layout = AnchorLayout(.init(inputSize: 64, strides: [8, 16, 32], anchorScale: 2, centerOffset: 0))

    func outputs(seed: UInt64, scale: Float = 1) -> HeadOutputs { randomSoftLabelOutputs(layout: layout, seed: seed, scale: scale) }

    let gt = softLabelObjects

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

    /// Agreement with the independent float64 numpy reference
    /// (Tests/Fixtures/scripts/make_soft_label_fixtures.py): parts, |R|, Z and sampled gradients.
    func testMatchesNumpyReference() throws {
        let root = try XCTUnwrap(loadFixtureJSON("paa/soft_label.json") as? [String: Any])
        let cases = try XCTUnwrap(root["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 2)
        for c in cases {
            func head(_ key: String) throws -> HeadOutputs {
                let o = try XCTUnwrap(c[key] as? [String: Any])
                func level(_ kind: String, _ ch: Int) -> [Tensor] {
                    let arrays = o[kind] as! [Any]
                    return layout.levels.enumerated().map { l, lv in Tensor(shape: [2, lv.height, lv.width, ch], data: floats(arrays[l])) }
                }
                return HeadOutputs(cls: level("cls", 3), reg: level("reg", 4), iou: level("iou", 1))
            }
            let student = try head("student"), teacher = try head("teacher")
            let gts = (c["gts"] as! [[[Double]]]).map { boxes in
                ObjectTargets(boxes: boxes.map { BoxXYXY(x1: Float($0[0]), y1: Float($0[1]), x2: Float($0[2]), y2: Float($0[3])) },
                              labels: Array(repeating: 0, count: boxes.count))
            }
            let sizes = (c["sizes"] as! [[Int]]).map { (width: Float($0[0]), height: Float($0[1])) }
            let valid = sizes.map { layout.validFlags(width: Int($0.width), height: Int($0.height)) }
            let minIoU = c["min_iou"] as! Double
            let r = SoftLabelLoss(layout: layout, config: .init(minIoU: minIoU))(student: student, teacher: teacher, groundTruth: gts,
                                                                                 valid: valid, imageSizes: sizes)
            XCTAssertEqual(r.regionSize, c["region"] as! Int, "min_iou \(minIoU)")
            assertClose(r.normalizer, c["z"] as! Double, atol: 1e-5, rtol: 1e-5)
            assertClose(r.cls, c["cls"] as! Double, atol: 1e-6, rtol: 1e-5)
            assertClose(r.iou, c["iou"] as! Double, atol: 1e-6, rtol: 1e-5)
            assertClose(r.box, c["box"] as! Double, atol: 1e-6, rtol: 1e-5)
            for g in c["grads"] as! [[String: Any]] {
                let (kind, l, i) = (g["kind"] as! String, g["level"] as! Int, g["index"] as! Int)
                let ana = kind == "cls" ? r.gradients.cls[l].data[i] : kind == "reg" ? r.gradients.reg[l].data[i] : r.gradients.iou[l].data[i]
                assertClose(Double(ana), g["grad"] as! Double, atol: 1e-5, rtol: 1e-3, "\(kind) level \(l) [\(i)]")
            }
        }
    }
}

/// Random head outputs for the two-image, three-class soft-label scenes (64×64 and 64×48 images).
func randomSoftLabelOutputs(layout: AnchorLayout, seed: UInt64, scale: Float = 1) -> HeadOutputs {
    HeadOutputs(cls: layout.levels.map { randomTensor([2, $0.height, $0.width, 3], seed: seed, scale: scale) },
                reg: layout.levels.map { randomTensor([2, $0.height, $0.width, 4], seed: seed + 1, scale: 0.5 * scale) },
                iou: layout.levels.map { randomTensor([2, $0.height, $0.width, 1], seed: seed + 2, scale: scale) })
}

/// The objects of those two images.
let softLabelObjects = [
    ObjectTargets(boxes: [BoxXYXY(x1: 10, y1: 12, x2: 30, y2: 40), BoxXYXY(x1: 36, y1: 30, x2: 60, y2: 52)], labels: [0, 2]),
    ObjectTargets(boxes: [BoxXYXY(x1: 20, y1: 20, x2: 44, y2: 44)], labels: [1]),
]
