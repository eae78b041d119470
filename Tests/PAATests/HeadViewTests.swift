import Detection
import Engine
import Models
import PAA
import TestSupport
import XCTest

final class HeadViewTests: XCTestCase {
    /// Every value encodes (image, anchor, channel), so a mis-addressed read shows.
    func testFlatReadsAndGradientWrites() {
        let layout = AnchorLayout(.init(inputSize: 64))
        let a = layout.count, c = 3
        func code(_ b: Int, _ anchor: Int, _ k: Int) -> Float { Float(b * 10_000 + anchor * 10 + k) }
        let cls = (0..<2).map { b in (0..<a * c).map { code(b, $0 / c, $0 % c) } }
        let dl = (0..<2).map { b in (0..<a).map { BoxDelta(dx: code(b, $0, 4), dy: code(b, $0, 5), dw: code(b, $0, 6), dh: code(b, $0, 7)) } }
        let iou = (0..<2).map { b in (0..<a).map { code(b, $0, 8) } }
        let outputs = HeadOutputs.fromFlat(layout: layout, numClasses: c, cls: cls, deltas: dl, iou: iou)
        outputs.checkShapes(layout: layout)
        XCTAssertEqual(outputs.cls.map(\.shape), [[2, 8, 8, 3], [2, 4, 4, 3], [2, 2, 2, 3]])
        XCTAssertEqual(outputs.reg[1].shape, [2, 4, 4, 4])
        XCTAssertEqual(outputs.iou[2].shape, [2, 2, 2, 1])
        // Raw NHWC position: image 1, P4 cell (1, 1) = anchor 69, row 16 + 5.
        XCTAssertEqual(outputs.cls[1].data[(16 + 5) * 3 + 2], code(1, 69, 2))
        for b in 0..<2 {
            let view = ImagePredictions(outputs, layout: layout, image: b)
            for anchor in [0, 7, 63, 64, 69, 79, 80, 83] {
                XCTAssertEqual(Array(view.clsLogits(anchor: anchor)), (0..<c).map { code(b, anchor, $0) })
                XCTAssertEqual(view.delta(anchor: anchor), dl[b][anchor])
                XCTAssertEqual(view.iouLogit(anchor: anchor), code(b, anchor, 8))
            }
        }
        let flat = flatten(outputs, layout: layout)
        XCTAssertEqual(flat.cls, cls)
        XCTAssertEqual(flat.iou, iou)
        // Gradient writes land at the same places and accumulate.
        var g = HeadOutputs.zeros(like: outputs)
        let address = layout.address(image: 1, anchor: 69)
        g.addToCls(2, at: address, classIndex: 1)
        g.addToCls(0.5, at: address, classIndex: 1)
        g.addToDelta(BoxDelta(dx: 1, dy: 2, dw: 3, dh: 4), at: address)
        g.addToIoU(-1, at: address)
        XCTAssertEqual(g.cls[1].data[(16 + 5) * 3 + 1], 2.5)
        XCTAssertEqual(g.cls.map { $0.data.reduce(0, +) }, [0, 2.5, 0])
        XCTAssertEqual(Array(g.reg[1].data[(21 * 4)..<(21 * 4 + 4)]), [1, 2, 3, 4])
        XCTAssertEqual(g.iou[1].data[21], -1)
        // Flat-array predictions read the same as the tensor view.
        let plain = ImagePredictions(numClasses: c, clsLogits: cls[1], deltas: dl[1], iouLogits: iou[1])
        XCTAssertEqual(Array(plain.clsLogits(anchor: 70)), Array(ImagePredictions(outputs, layout: layout, image: 1).clsLogits(anchor: 70)))
        XCTAssertEqual(plain.delta(anchor: 83), dl[1][83])
    }

    func testEmptyBatch() {
        let layout = AnchorLayout(.init(inputSize: 64))
        let outputs = HeadOutputs.fromFlat(layout: layout, numClasses: 2, cls: [], deltas: [], iou: [])
        outputs.checkShapes(layout: layout)
        XCTAssertEqual(outputs.batchSize, 0)
        XCTAssertEqual(outputs.numClasses, 2)
        XCTAssertEqual(HeadOutputs.zeros(like: outputs).cls.map(\.shape), [[0, 8, 8, 2], [0, 4, 4, 2], [0, 2, 2, 2]])
    }
}
