// Reading the cross-framework fixtures of Tests/Fixtures/torch (written by
// Tests/Fixtures/scripts/make_torch_parity_fixtures.py and, for colad's side, by
// TorchParityTests): the parity architecture from the metadata, NCHW ↔ NHWC.
import Foundation
import XCTest
import Engine
import Models
import TestSupport

enum TorchFixtures {
    static func read(_ name: String) throws -> (tensors: [String: NamedTensor], metadata: [String: String]) {
        let (t, m) = try SafeTensors.read(fixtureURL("torch/\(name).safetensors"))
        return (Dictionary(uniqueKeysWithValues: t.map { ($0.name, $0) }), m)
    }

    /// The architecture the fixtures were made for (metadata "config", written by the script).
    static func architecture() throws -> ModelConfig {
        let meta = try read("torch_weights").metadata
        let json = try XCTUnwrap(meta["config"], "torch_weights.safetensors has no config metadata")
        let c = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        func int(_ k: String) throws -> Int { try XCTUnwrap(c[k] as? Int, "config.\(k)") }
        func ints(_ k: String) throws -> [Int] { try XCTUnwrap(c[k] as? [Int], "config.\(k)") }
        return ModelConfig(stem: try int("stem"), widths: try ints("widths"), blocks: try ints("blocks"),
                           fpnChannels: try int("fpn_channels"), headChannels: try int("head_channels"),
                           headConvs: try int("head_convs"), numClasses: try int("num_classes"))
    }

    /// The committed input, NCHW in the file, as colad's NHWC tensor.
    static func input() throws -> Tensor {
        let t = try XCTUnwrap(try read("parity_input").tensors["images"])
        return nhwc(t)
    }

    static func nhwc(_ t: NamedTensor) -> Tensor { t.nhwcTensor }

    static func nchw(_ t: Tensor, name: String) -> NamedTensor { NamedTensor(nchw: t, name: name) }

    /// Head outputs under the fixture names "cls.l", "box.l", "iou.l", NCHW.
    static func named(_ o: HeadOutputs) -> [String: NamedTensor] {
        var d: [String: NamedTensor] = [:]
        for l in o.cls.indices {
            for (key, t) in [("cls", o.cls[l]), ("box", o.reg[l]), ("iou", o.iou[l])] { d["\(key).\(l)"] = nchw(t, name: "\(key).\(l)") }
        }
        return d
    }

    /// Max |a − b| over every output, after checking names and shapes agree.
    static func maxAbsDiff(_ a: [String: NamedTensor], _ b: [String: NamedTensor], file: StaticString = #filePath,
                           line: UInt = #line) -> Double {
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted(), file: file, line: line)
        var worst = 0.0
        for (k, x) in a {
            guard let y = b[k] else { continue }
            XCTAssertEqual(x.shape, y.shape, k, file: file, line: line)
            for (u, v) in zip(x.values, y.values) { worst = max(worst, abs(Double(u) - Double(v))) }
        }
        return worst
    }
}
