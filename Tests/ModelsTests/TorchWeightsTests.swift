// The PyTorch name map and the import's checks: one error naming every missing, unexpected and
// mis-shaped tensor; partial loads by prefix; the name table in docs/weights.md is the code's.
import Foundation
import XCTest
import Engine
import Models
import TestSupport

final class TorchWeightsTests: XCTestCase {
    func pytorchFile() throws -> [NamedTensor] { Array(try TorchFixtures.read("torch_weights").tensors.values) }

    func testEveryProblemIsNamedInOneError() throws {
        let net = DetectorNetwork(config: try TorchFixtures.architecture(), seed: 1)
        let before = net.store.snapshotValues()
        var file = try pytorchFile().filter { !["head.atss_reg.bias", "backbone.layer2.1.gn2.weight"].contains($0.name) }
        file.append(NamedTensor(name: "head.extra_conv.weight", shape: [2], values: [1, 2]))
        let i = file.firstIndex { $0.name == "neck.fpn_convs.0.conv.weight" }!
        file[i] = NamedTensor(name: file[i].name, shape: [file[i].shape[0], file[i].shape[1], 9], values: file[i].values)
        XCTAssertThrowsError(try TorchWeights.load(file, into: net.store, file: "w.safetensors")) { e in
            let err = e as! TorchWeightsError
            XCTAssertEqual(Set(err.problems.map(\.kind)), ["missing head.atss_reg.bias", "missing backbone.layer2.1.gn2.weight",
                                                           "unexpected head.extra_conv.weight", "mis-shaped neck.fpn_convs.0.conv.weight"])
            let text = "\(e)"
            for needle in ["w.safetensors", "head.atss_reg.bias", "backbone.layer2.1.gn2.weight", "head.extra_conv.weight",
                           "neck.fpn_convs.0.conv.weight", "[16, 16, 9]", "[16, 16, 3, 3]", "hint:"] {
                XCTAssertTrue(text.contains(needle), "\(needle) not in: \(text)")
            }
        }
        XCTAssertEqual(net.store.snapshotValues(), before, "a failed import must not change any weight")
    }

    func testPrefixesLoadOnlyThatPart() throws {
        let net = DetectorNetwork(config: try TorchFixtures.architecture(), seed: 1)
        let before = Dictionary(uniqueKeysWithValues: net.store.namedTensors().map { ($0.name, $0.values) })
        let file = try pytorchFile()
        let summary = try TorchWeights.load(file, into: net.store, prefixes: ["backbone", "neck.lateral_convs."], file: "w")
        let selected = { (n: String) in n.hasPrefix("backbone.") || n.hasPrefix("neck.lateral_convs.") }
        XCTAssertEqual(summary.loaded, file.filter { selected($0.name) }.count)
        XCTAssertEqual(summary.ignored, file.filter { !selected($0.name) }.count)
        XCTAssertEqual(summary.kept, net.store.parameters.count - summary.loaded)
        let fileByName = Dictionary(uniqueKeysWithValues: file.map { ($0.name, $0) })
        for t in try TorchWeights.export(net.store.namedTensors(), file: "x") {
            let colad = TorchNameMap(net.store).entries.first { $0.torch == t.name }!.colad
            if selected(t.name) {
                XCTAssertEqual(t.values, fileByName[t.name]!.values, t.name)
            } else {
                XCTAssertEqual(net.store.parameter(named: colad)!.valueArray, before[colad]!, "\(t.name) must keep colad's init")
            }
        }
        // A file holding only the selected part is enough.
        let fresh = DetectorNetwork(config: try TorchFixtures.architecture(), seed: 1)
        XCTAssertNoThrow(try TorchWeights.load(file.filter { $0.name.hasPrefix("backbone.") }, into: fresh.store,
                                               prefixes: ["backbone."], file: "w"))
    }

    func testPrefixThatSelectsNothingIsAnError() throws {
        let net = DetectorNetwork(config: try TorchFixtures.architecture(), seed: 1)
        for bad in ["bbox_head.", "backbone.layer9", "back"] {
            XCTAssertThrowsError(try TorchWeights.load(try pytorchFile(), into: net.store, prefixes: [bad], file: "w")) { e in
                XCTAssertEqual((e as! TorchWeightsError).problems, [.emptyPrefix(bad)])
                XCTAssertTrue("\(e)".contains("'\(bad)'"), "\(e)")
            }
        }
    }

    /// A PyTorch model with a single-element [1] scale (not mmcv's 0-dim one) loads too.
    func testScaleOfShapeOneIsAccepted() throws {
        let net = DetectorNetwork(config: try TorchFixtures.architecture(), seed: 1)
        let file = try pytorchFile().map { t in t.shape == [] ? NamedTensor(name: t.name, shape: [1], values: t.values) : t }
        try TorchWeights.load(file, into: net.store, file: "w")
        let s = try XCTUnwrap(file.first { $0.name == "head.scales.2.scale" })
        XCTAssertEqual(net.store.parameter(named: "head.scales.2")?.valueArray, s.values)
    }

    /// A file already in PyTorch layout is not a colad network file: export names its tensors.
    func testExportRejectsAFileThatIsNotAColadNetwork() throws {
        XCTAssertThrowsError(try TorchWeights.export(try pytorchFile(), file: "torch.safetensors")) { e in
            let kinds = Set((e as! TorchWeightsError).problems.map(\.kind))
            for name in ["head.atss_cls.weight", "neck.lateral_convs.0.conv.weight", "head.scales.0.scale", "backbone.layer1.0.gn1.weight"] {
                XCTAssertTrue(kinds.contains("unknown \(name)"), "\(name) not named in: \(e)")
            }
            XCTAssertTrue("\(e)".hasPrefix("torch.safetensors: ") && "\(e)".contains("hint: export reads a colad network file"), "\(e)")
        }
    }

    /// OHWI → OIHW moves element (o, kh, kw, i) to (o, i, kh, kw), checked on a hand-made tensor.
    func testConvLayoutByHand() {
        let s = [2, 2, 3, 4]   // O, K(h), K(w), I — a non-square kernel catches a swapped h/w too
        let v = (0..<48).map(Float.init)
        let t = TorchLayout.convOIHW.toTorch(v, coladShape: s)
        for o in 0..<2 { for y in 0..<2 { for x in 0..<3 { for i in 0..<4 {
            XCTAssertEqual(t[((o * 4 + i) * 2 + y) * 3 + x], v[((o * 2 + y) * 3 + x) * 4 + i])
        } } } }
        XCTAssertEqual(TorchLayout.convOIHW.toColad(t, coladShape: s), v)
        XCTAssertEqual(TorchLayout.convOIHW.torchShape(s), [2, 4, 2, 3])
    }

    /// Every parameter of both presets has a PyTorch name, no two the same.
    func testNameMapIsOneToOneForThePresets() {
        for name in ["tiny", "small"] {
            let map = TorchNameMap(DetectorNetwork(config: preset(name, 7), seed: 0).store)
            XCTAssertEqual(Set(map.entries.map(\.torch)).count, map.entries.count, name)
        }
    }

    /// docs/weights.md's table is the code's map for the tiny preset (80 classes).
    /// Rewrite it with COLAD_REGENERATE_FIXTURES=1 swift test --filter TorchWeightsTests.
    func testDocsTableIsTheCodesMap() throws {
        let url = repositoryRoot.appendingPathComponent("docs/weights.md")
        let doc = try String(contentsOf: url, encoding: .utf8)
        let (begin, end) = ("<!-- name-map: tiny preset, 80 classes; generated by TorchWeightsTests -->\n", "<!-- end name-map -->")
        let table = TorchNameMap(DetectorNetwork(config: preset("tiny", 80), seed: 0).store).markdownTable()
        let b = try XCTUnwrap(doc.range(of: begin), "docs/weights.md lacks the marker \(begin)")
        let e = try XCTUnwrap(doc.range(of: end, range: b.upperBound..<doc.endIndex))
        if ProcessInfo.processInfo.environment["COLAD_REGENERATE_FIXTURES"] == "1", String(doc[b.upperBound..<e.lowerBound]) != table {
            try writeAtomically(Data((String(doc[..<b.upperBound]) + table + String(doc[e.lowerBound...])).utf8), to: url)
            return
        }
        XCTAssertEqual(String(doc[b.upperBound..<e.lowerBound]), table)
    }
}

extension TorchWeightsError.Problem {
    /// "missing NAME" etc., for set comparisons.
    var kind: String {
        switch self {
        case .missing(let n, _): return "missing \(n)"
        case .unexpected(let n, _): return "unexpected \(n)"
        case .misShaped(let n, _, _): return "mis-shaped \(n)"
        case .emptyPrefix(let p): return "empty prefix \(p)"
        case .notAColadParameter(let n, _): return "unknown \(n)"
        }
    }
}
