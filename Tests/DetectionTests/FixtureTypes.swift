// Decodable mirrors of the JSON fixtures written by
// Tests/Fixtures/scripts/make_detection_fixtures.py (format_version 1), and the loader.

import Foundation
import TestSupport
import XCTest
import Detection

struct FixtureHeader: Decodable {
    let format_version: Int
    let kind: String
    let seed: Int
    let numpy: String
    let sklearn: String
}

struct BoxCoderFixture: Decodable {
    struct Case: Decodable {
        let anchor: [Double], delta: [Double], clip: [Double]?
        let box: [Double], d_box: [Double], d_delta: [Double]
    }
    let header: FixtureHeader
    let cases: [Case]
}

struct OverlapsFixture: Decodable {
    struct Case: Decodable {
        let pred: [Double], target: [Double]
        let iou: Double, giou: Double, d_pred_giou_loss: [Double]
    }
    let header: FixtureHeader
    let cases: [Case]
}

struct IoUMatrixFixture: Decodable {
    struct Case: Decodable { let gts: [[Double]], anchors: [[Double]], iou: [[Double]] }
    let header: FixtureHeader
    let cases: [Case]
}

struct LossesFixture: Decodable {
    struct Binary: Decodable { let z: Double, y: Int, loss: Double, d_z: Double }
    struct Soft: Decodable { let z: Double, t: Double, loss: Double, d_z: Double }
    struct AnchorSum: Decodable { let logits: [Double], target: Int?, sum: Double }
    let header: FixtureHeader
    let focal: [Binary]
    let bce: [Soft]
    let focal_kl: [Soft]
    let focal_anchor_sums: [AnchorSum]
}

struct GMMFixture: Decodable {
    struct Fit: Decodable {
        let error: String?
        let means: [Double]?, variances: [Double]?, weights: [Double]?
        let n_iter: Int?, converged: Bool?, lower_bound: Double?
        let labels: [Int]?, score_samples: [Double]?, positives: [Int]?
        /// |ℓ_i0 − ℓ_i1| under sklearn's final parameters.
        let label_margins: [Double]?
        /// Some label or the density argmax is decided within rounding noise (see the script).
        let rounding_determined: Bool?
    }
    struct Case: Decodable {
        let family: String, max_iter: Int, sample: [Double]
        let float64: Fit, float32: Fit
    }
    let header: FixtureHeader
    let cases: [Case]
}

/// Decodes Tests/Fixtures/<path> and checks its header kind and format version.
func loadFixture<T: Decodable>(_ type: T.Type, _ path: String, kind: String,
                               file: StaticString = #filePath, line: UInt = #line) throws -> T {
    let data = try Data(contentsOf: fixtureURL(path))
    let value = try JSONDecoder().decode(T.self, from: data)
    let header = try JSONDecoder().decode(HeaderOnly.self, from: data).header
    XCTAssertEqual(header.format_version, 1, file: file, line: line)
    XCTAssertEqual(header.kind, kind, file: file, line: line)
    return value
}

private struct HeaderOnly: Decodable { let header: FixtureHeader }

extension XYXYBox {
    /// A box from [x1, y1, x2, y2].
    init(_ a: [Double]) { self.init(x1: Scalar(a[0]), y1: Scalar(a[1]), x2: Scalar(a[2]), y2: Scalar(a[3])) }
}

extension DeltaXYWH {
    /// A delta from [dx, dy, dw, dh].
    init(_ a: [Double]) { self.init(dx: Scalar(a[0]), dy: Scalar(a[1]), dw: Scalar(a[2]), dh: Scalar(a[3])) }
}
