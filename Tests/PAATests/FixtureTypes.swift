// Decodable mirrors of the JSON fixtures written by
// Tests/Fixtures/scripts/make_paa_fixtures.py (format_version 1), and shared test helpers.

import Detection
import Engine
import Foundation
import Models
import PAA
import TestSupport
import XCTest

struct PAAFixtureHeader: Decodable {
    struct Layout: Decodable { let input_size: Int, strides: [Int], anchor_scale: Float, center_offset: Float }
    let format_version: Int
    let kind: String
    let seed: Int
    let numpy: String
    let sklearn: String
    let layout: Layout
}

struct AssignFixture: Decodable {
    struct Stats: Decodable { let object: Int, level: Int, count: Int, mean: Double, std: Double? }
    struct Scene: Decodable {
        let num_classes: Int, valid_width: Int, valid_height: Int, trained: Bool
        let boxes: [[Double]], labels: [Int]
        let logits: [Double], deltas: [Double]
        let preassigned: [Int]
        let candidates: [[Int]]
        let costs: [Double]
        let stats: [Stats]
        let topk_sorted: [[Int]]
        let outcomes: [String]
        let positives: [[Int]]
    }
    let header: PAAFixtureHeader
    let scenes: [Scene]
}

struct LossFixture: Decodable {
    struct Image: Decodable {
        let boxes: [[Double]], labels: [Int], states: [Int]
        let logits: [Double], deltas: [Double], iou: [Double]
    }
    struct Expected: Decodable {
        let cls: Double, box: Double, iou: Double, total: Double
        let d_logits: [[Double]], d_deltas: [[Double]], d_iou: [[Double]]
    }
    struct Batch: Decodable {
        let num_classes: Int
        let images: [Image]
        let num_positives: Int
        let paa: Expected
        let lad: Expected
    }
    let header: PAAFixtureHeader
    let batches: [Batch]
}

/// Decodes Tests/Fixtures/<path> and checks its header kind and format version.
func loadPAAFixture<T: Decodable>(_ type: T.Type, _ path: String, kind: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws -> T {
    let data = try Data(contentsOf: fixtureURL(path))
    let header = try JSONDecoder().decode(HeaderOnly.self, from: data).header
    XCTAssertEqual(header.format_version, 1, file: file, line: line)
    XCTAssertEqual(header.kind, kind, file: file, line: line)
    XCTAssertEqual(header.layout.input_size, 128, file: file, line: line)
    XCTAssertEqual(header.layout.strides, [8, 16, 32], file: file, line: line)
    XCTAssertEqual(header.layout.anchor_scale, 4, file: file, line: line)
    XCTAssertEqual(header.layout.center_offset, 0, file: file, line: line)
    return try JSONDecoder().decode(T.self, from: data)
}

private struct HeaderOnly: Decodable { let header: PAAFixtureHeader }

/// Per-anchor states of the fixtures: −2 invalid, −1 background, else the object index.
func anchorStates(_ codes: [Int]) -> [AnchorAssignment] {
    codes.map { $0 == -2 ? .invalid : ($0 == -1 ? .background : .foreground(object: $0)) }
}

func codes(_ states: [AnchorAssignment]) -> [Int] {
    states.map {
        switch $0 {
        case .invalid: return -2
        case .background: return -1
        case .foreground(let g): return g
        }
    }
}

extension BoxXYXY {
    init(_ a: [Double]) { self.init(x1: Float(a[0]), y1: Float(a[1]), x2: Float(a[2]), y2: Float(a[3])) }
    init(_ x1: Float, _ y1: Float, _ x2: Float, _ y2: Float) { self.init(x1: x1, y1: y1, x2: x2, y2: y2) }
}

/// [4·A] → [A] deltas.
func deltas(_ flat: [Double]) -> [BoxDelta] {
    stride(from: 0, to: flat.count, by: 4).map {
        BoxDelta(dx: Float(flat[$0]), dy: Float(flat[$0 + 1]), dw: Float(flat[$0 + 2]), dh: Float(flat[$0 + 3]))
    }
}

/// Per image, anchor-major flat copies of head outputs (the inverse of `HeadOutputs.fromFlat`).
func flatten(_ o: HeadOutputs, layout: AnchorLayout) -> (cls: [[Float]], reg: [[Float]], iou: [[Float]]) {
    var out: (cls: [[Float]], reg: [[Float]], iou: [[Float]]) = ([], [], [])
    for b in 0..<o.batchSize {
        var c: [Float] = [], r: [Float] = [], i: [Float] = []
        for a in 0..<layout.count {
            let address = layout.address(image: b, anchor: a)
            c += o.clsLogits(at: address)
            let d = o.delta(at: address)
            r += [d.dx, d.dy, d.dw, d.dh]
            i.append(o.iouLogit(at: address))
        }
        out.cls.append(c); out.reg.append(r); out.iou.append(i)
    }
    return out
}

/// Float draws for test inputs from Engine's SplitMix64.
struct TestRandom {
    var base: SplitMix64
    init(seed: UInt64) { base = SplitMix64(seed: seed) }
    mutating func uniform(_ lo: Float = 0, _ hi: Float = 1) -> Float { lo + (hi - lo) * Float(base.nextUniform()) }
    mutating func normal(_ mean: Float = 0, _ std: Float = 1) -> Float { mean + std * Float(base.nextNormal()) }
}
