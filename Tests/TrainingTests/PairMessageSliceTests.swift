@testable import Training
import Engine
import Models
import PAA
import XCTest

/// Cutting a pair message into image ranges and joining the pieces in order gives it back,
/// for each kind (the routing of unequal groups relies on it).
final class PairMessageSliceTests: XCTestCase {
    let cuts: [[Range<Int>]] = [[0..<3], [0..<1, 1..<3], [0..<1, 1..<2, 2..<3], [0..<2, 2..<3]]

    func roundTrip(_ m: PairMessage, _ ranges: [Range<Int>]) -> PairMessage? { PairMessage.concatenate(ranges.map { m.slice($0) }) }

    func testAssignmentsAndCosts() {
        let a = [Assignment(anchors: [.foreground(object: 1), .background, .invalid]), Assignment(anchors: [.background, .background, .invalid]),
                 Assignment(anchors: [.invalid, .foreground(object: 0), .background])]
        let costs: [[Float]] = [[1, 2.5], [], [0.25, 7, 8]]
        for ranges in cuts {
            guard case .assignment(let back)? = roundTrip(.assignment(a), ranges) else { return XCTFail("\(ranges)") }
            XCTAssertEqual(back, a, "\(ranges)")
            guard case .costs(let c)? = roundTrip(.costs(costs), ranges) else { return XCTFail("\(ranges)") }
            XCTAssertEqual(c, costs, "\(ranges)")
        }
        guard case .costs(let middle) = PairMessage.costs(costs).slice(1..<3) else { return XCTFail() }
        XCTAssertEqual(middle, [[], [0.25, 7, 8]])
        guard case .assignment(let empty) = PairMessage.assignment(a).slice(2..<2) else { return XCTFail() }
        XCTAssertTrue(empty.isEmpty, "an empty range is an empty batch")
    }

    func testPredictions() {
        func level(_ h: Int, _ c: Int, base: Float) -> Tensor { Tensor(shape: [3, h, h, c], data: (0..<(3 * h * h * c)).map { base + Float($0) }) }
        let o = HeadOutputs(cls: [level(2, 3, base: 0), level(1, 3, base: 100)], reg: [level(2, 4, base: 200), level(1, 4, base: 300)],
                            iou: [level(2, 1, base: 400), level(1, 1, base: 500)])
        for ranges in cuts {
            guard case .predictions(let p)? = roundTrip(.predictions(o), ranges) else { return XCTFail("\(ranges)") }
            for (x, y) in [(p.cls, o.cls), (p.reg, o.reg), (p.iou, o.iou)] { XCTAssertEqual(x, y, "\(ranges)") }
        }
        let second = o.images(1..<2)
        XCTAssertEqual(second.cls.map(\.shape), [[1, 2, 2, 3], [1, 1, 1, 3]])
        XCTAssertEqual(second.cls[1].data, [103, 104, 105], "image 1 of level 1")
        XCTAssertEqual(second.iou[0].data, [404, 405, 406, 407])
    }

    func testPiecesThatDoNotFitAreRefused() {
        XCTAssertNil(PairMessage.concatenate([]))
        XCTAssertNil(PairMessage.concatenate([.costs([[1]]), .assignment([])]), "mixed kinds")
        let a = HeadOutputs(cls: [Tensor(shape: [1, 2, 2, 3], repeating: 0)], reg: [Tensor(shape: [1, 2, 2, 4], repeating: 0)], iou: [Tensor(shape: [1, 2, 2, 1], repeating: 0)])
        let b = HeadOutputs(cls: [Tensor(shape: [1, 1, 1, 3], repeating: 0)], reg: [Tensor(shape: [1, 1, 1, 4], repeating: 0)], iou: [Tensor(shape: [1, 1, 1, 1], repeating: 0)])
        XCTAssertNil(HeadOutputs.concatenate([a, b]), "levels of different sizes")
    }
}
