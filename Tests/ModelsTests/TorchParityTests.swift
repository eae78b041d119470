// Cross-framework parity (issue 16): colad and PyTorch (Tests/Fixtures/scripts/colad_torch.py)
// compute the same head outputs from the same weights, in both directions.
//   PyTorch → colad: torch_weights.safetensors (PyTorch-initialised, PyTorch layout) imported
//     here gives torch_outputs.safetensors (PyTorch, float64) on parity_input within 1e-4 max
//     abs difference.
//   colad → PyTorch: a colad-initialised network's export is colad_weights.safetensors and its
//     outputs colad_outputs.safetensors (this file keeps both current; regenerate with
//     COLAD_REGENERATE_FIXTURES=1); `colad_torch.py --check` loads the export in PyTorch and
//     compares (needs torch; Tests/Integration/torch_parity.sh runs it when torch is there).
import Foundation
import XCTest
import Engine
import Models
import TestSupport

final class TorchParityTests: XCTestCase {
    /// Max abs difference allowed between the frameworks (float32 vs a float64 reference).
    let tolerance = 1e-4

    func testPyTorchWeightsImportedGiveThePyTorchOutputs() throws {
        let net = DetectorNetwork(config: try TorchFixtures.architecture(), seed: 3)
        let (weights, _) = try TorchFixtures.read("torch_weights")
        let summary = try TorchWeights.load(Array(weights.values), into: net.store, file: "torch_weights.safetensors")
        XCTAssertEqual(summary.loaded, net.store.parameters.count)
        let out = TorchFixtures.named(net.forward(try TorchFixtures.input(), training: false))
        let diff = TorchFixtures.maxAbsDiff(out, try TorchFixtures.read("torch_outputs").tensors)
        print("TorchParityTests: PyTorch → colad: max |colad − PyTorch| = \(diff)")
        XCTAssertLessThanOrEqual(diff, tolerance)
        XCTAssertGreaterThan(diff, 0, "identical to the last bit: is the reference really PyTorch's float64 forward?")
    }

    /// Importing PyTorch's state dict and exporting it again gives PyTorch's tensors back
    /// exactly: colad's export has PyTorch's names, shapes (0-dim scales) and layout.
    func testExportOfImportedPyTorchWeightsIsThePyTorchStateDict() throws {
        let net = DetectorNetwork(config: try TorchFixtures.architecture(), seed: 3)
        let (weights, _) = try TorchFixtures.read("torch_weights")
        try TorchWeights.load(Array(weights.values), into: net.store, file: "torch_weights.safetensors")
        let exported = try TorchWeights.export(net.store.namedTensors(), file: "memory")
        XCTAssertEqual(exported.sorted { $0.name < $1.name }, weights.values.sorted { $0.name < $1.name })
    }

    /// colad's side of the colad → PyTorch check: the committed export and outputs are what
    /// colad produces now (export bit for bit; outputs within 1e-6, BLAS summation order may
    /// vary between machines).
    func testColadExportFixtureIsCurrent() throws {
        let net = DetectorNetwork(config: try TorchFixtures.architecture(), seed: 7)
        perturbAffineAndScales(net.store, seed: 8)
        let meta = try TorchFixtures.read("torch_weights").metadata
        let bytes = try SafeTensors.encode(try TorchWeights.export(net.store.namedTensors(), file: "memory"),
                                           metadata: ["config": meta["config"]!, "format": "pt", "layout": "pytorch",
                                                      "writer": "TorchParityTests (colad export of a colad-initialised network)"])
        let outputs = TorchFixtures.named(net.forward(try TorchFixtures.input(), training: false))
        if ProcessInfo.processInfo.environment["COLAD_REGENERATE_FIXTURES"] == "1" {
            try writeAtomically(bytes, to: fixtureURL("torch/colad_weights.safetensors"))
            try SafeTensors.write(outputs.values.map { $0 }, metadata: ["layout": "NCHW", "writer": "TorchParityTests (colad forward)"],
                                  to: fixtureURL("torch/colad_outputs.safetensors"))
        }
        XCTAssertEqual(try Data(contentsOf: fixtureURL("torch/colad_weights.safetensors")), bytes,
                       "regenerate with COLAD_REGENERATE_FIXTURES=1 swift test --filter TorchParityTests, then run colad_torch.py --check")
        XCTAssertLessThanOrEqual(TorchFixtures.maxAbsDiff(outputs, try TorchFixtures.read("colad_outputs").tensors), 1e-6)
    }

    /// export → safetensors bytes → import into a differently initialised network gives the
    /// same parameters bit for bit, and exporting again gives the same bytes.
    func testExportImportRoundTripIsBitExact() throws {
        for name in ["tiny", "small"] {
            let a = DetectorNetwork(config: preset(name, 5), seed: 1)
            perturbAffineAndScales(a.store, seed: 2)
            let bytes = try SafeTensors.encode(try TorchWeights.export(a.store.namedTensors(), file: "a"))
            let b = DetectorNetwork(config: preset(name, 5), seed: 9)
            XCTAssertNotEqual(a.store.snapshotValues(), b.store.snapshotValues())
            try TorchWeights.load(try SafeTensors.decode(bytes).tensors, into: b.store, file: "b")
            XCTAssertEqual(a.store.snapshotValues().map(\.bitPattern), b.store.snapshotValues().map(\.bitPattern), name)
            XCTAssertEqual(try SafeTensors.encode(try TorchWeights.export(b.store.namedTensors(), file: "b")), bytes, name)
        }
    }

    /// GroupNorm affines and scales start at 1 / 0 / 1; give them other values so that a
    /// mix-up between them (or between levels) changes the outputs.
    func perturbAffineAndScales(_ store: ParameterStore, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for p in store.parameters where p.name.contains(".gn.") || p.name.hasPrefix("head.scales.") {
            let base: Float = p.name.hasSuffix(".bias") ? 0 : 1
            for i in 0..<p.count { p.values[i] = base + Float(rng.uniform(-0.4, 0.4)) }
        }
    }
}
