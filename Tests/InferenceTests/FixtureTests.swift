// SPEC §6 against an independent float64 numpy implementation
// (Tests/Fixtures/scripts/make_inference_fixtures.py → Tests/Fixtures/inference/post_process.json).
// The script only keeps cases whose discrete decisions (thresholds, orders, IoU cuts) are far from
// float32 rounding, so classes and order must match exactly; scores and boxes to rounding.

import Detection
import Engine
import Foundation
import Models
import TestSupport
import XCTest
@testable import Inference

struct PostProcessFixture: Decodable {
    struct Header: Decodable { let format_version: Int, kind: String, seed: Int, numpy: String }
    struct Case: Decodable {
        let name: String
        let num_classes: Int, batch: Int, seed: Int
        let level_shapes: [[Int]]
        let config: PostProcessConfig
        let image_sizes: [[Double]], scales: [Double]
        let anchors: [[Double]], valid: [[Int]]
        let cls: [[Double]], reg: [[Double]], iou: [[Double]]
        /// Per image: [x1, y1, x2, y2, class, score] per detection.
        let expected: [[[Double]]]

        var outputs: HeadOutputs {
            func tensors(_ flat: [[Double]], _ channels: Int) -> [Tensor] {
                zip(level_shapes, flat).map { shape, data in
                    Tensor(shape: [batch, shape[0], shape[1], channels], data: data.map { Float($0) })
                }
            }
            return HeadOutputs(cls: tensors(cls, num_classes), reg: tensors(reg, 4), iou: tensors(iou, 1))
        }
        var boxes: [BoxXYXY] {
            anchors.map { BoxXYXY(x1: Float($0[0]), y1: Float($0[1]), x2: Float($0[2]), y2: Float($0[3])) }
        }
    }
    let header: Header
    let cases: [Case]
}

final class FixtureTests: XCTestCase {
    func load() throws -> PostProcessFixture {
        let f = try JSONDecoder().decode(PostProcessFixture.self,
                                         from: Data(contentsOf: fixtureURL("inference/post_process.json")))
        XCTAssertEqual(f.header.format_version, 1)
        XCTAssertEqual(f.header.kind, "post_process")
        return f
    }

    func compare(_ got: [ScoredBox], _ expected: [[Double]], _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, "\(what): count", file: file, line: line)
        guard got.count == expected.count else { return }
        XCTAssertEqual(got.map(\.classIndex), expected.map { Int($0[4]) }, "\(what): classes", file: file, line: line)
        assertClose(got.map(\.score), expected.map { $0[5] }, atol: 1e-6, rtol: 0, "\(what): scores", file: file, line: line)
        assertClose(got.flatMap(\.box.array), expected.flatMap { $0[0..<4] }, atol: 1e-4, rtol: 0,
                    "\(what): boxes", file: file, line: line)
    }

    func testMatchesNumpyReference() throws {
        let fixture = try load()
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 6)
        var detections = 0
        for c in fixture.cases {
            let outputs = c.outputs, anchors = c.boxes
            let valid = c.valid.map { $0.map { $0 != 0 } }
            let sizes = c.image_sizes.map { (width: Float($0[0]), height: Float($0[1])) }
            let scales = c.scales.map { ResizeScale(Float($0)) }
            let processor = PostProcessor(config: c.config)
            let batch = processor.detectBatch(outputs: outputs, anchors: anchors, valid: valid,
                                              imageSizes: sizes, scales: scales)
            XCTAssertEqual(batch.count, c.batch)
            for b in 0..<min(batch.count, c.batch) {
                compare(batch[b], c.expected[b], "\(c.name)[\(b)] sorted NMS")
                let naive = processor.detect(outputs: outputs, image: b, anchors: anchors, valid: valid[b],
                                             imageSize: sizes[b], scale: scales[b], nms: .naive)
                XCTAssertEqual(naive, batch[b], "\(c.name)[\(b)]: naive and sorted NMS differ")
                detections += batch[b].count
            }
        }
        XCTAssertGreaterThan(detections, 300)
    }
}
