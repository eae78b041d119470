// The paper's detector shape: a torchvision-layout ResNet, FPN P3–P7 (P6, P7 by stride-2 convs
// on P5, ReLU before P7) and the head with GroupNorm(32) towers, at narrow widths.
import Foundation
import XCTest
import Engine
@testable import Models
import TestSupport

final class ReferenceDetectorTests: XCTestCase {
    let config = ModelConfig(stem: 0, widths: [], blocks: [], fpnChannels: 8, headChannels: 8, headConvs: 4, numClasses: 3,
                             resnet: ResNetSpec(block: .bottleneck, blocks: [1, 1, 1, 1], baseWidth: 4, norm: .frozenBN, frozenStages: 1),
                             levels: 5, gnGroups: 4)

    /// Five levels with ⌈side/stride⌉ cells (a 96×160 input: P7 is 1×2), the head's GroupNorm
    /// with the configured groups, and scales for every level.
    func testFiveLevels() throws {
        let net = DetectorNetwork(config: config, seed: 1)
        let out = net.forward(randomTensor([2, 96, 160, 3], seed: 1), training: false)
        XCTAssertEqual(out.cls.map(\.shape), [[2, 12, 20, 3], [2, 6, 10, 3], [2, 3, 5, 3], [2, 2, 3, 3], [2, 1, 2, 3]])
        XCTAssertEqual(config.strides, [8, 16, 32, 64, 128])
        XCTAssertNotNil(net.store.parameter(named: "head.scales.4"))
        XCTAssertNotNil(net.store.parameter(named: "neck.fpn_convs.4.weight"))
        XCTAssertNil(net.store.parameter(named: "neck.lateral_convs.3.weight"))
        XCTAssertNotNil(net.store.parameter(named: "backbone.layer4.0.conv3.weight"))
        XCTAssertEqual(net.store.parameter(named: "head.cls_convs.3.gn.weight")?.count, 8)
        // frozen_stages 1: the stem and layer1 are frozen, layer2 trains.
        XCTAssertEqual(net.store.parameter(named: "backbone.layer1.0.conv1.weight")?.trainable, false)
        XCTAssertEqual(net.store.parameter(named: "backbone.layer2.0.conv1.weight")?.trainable, true)
    }

    /// The extra levels' backward, by finite differences: dC5 and the P6 / P7 conv weights for
    /// a loss that reads only P6 and P7 (and, separately, all five levels).
    func testExtraLevelsFiniteDifferences() {
        let store = ParameterStore(seed: 2)
        let fpn = FPN(store, inChannels: [3, 4, 5], channels: 4, levels: 5)
        let c = [randomTensor([1, 8, 8, 3], seed: 3), randomTensor([1, 4, 4, 4], seed: 4), randomTensor([1, 2, 2, 5], seed: 5)]
        let p = fpn.forward(c, training: true)
        XCTAssertEqual(p.map(\.shape), [[1, 8, 8, 4], [1, 4, 4, 4], [1, 2, 2, 4], [1, 1, 1, 4], [1, 1, 1, 4]])
        let g = p.enumerated().map { randomTensor($1.shape, seed: 10 + UInt64($0)) }
        store.zeroGrads()
        let dc = fpn.backward(g)
        let loss = { zip(fpn.forward(c, training: false), g).reduce(0.0) { $0 + dot($1.0, $1.1) } }
        for (i, x) in c.enumerated() {
            let num = numericalGradient(of: x, step: 1e-2) { xi in
                var cc = c; cc[i] = xi
                return zip(fpn.forward(cc, training: false), g).reduce(0.0) { $0 + dot($1.0, $1.1) }
            }
            assertClose(dc[i].data, num, atol: 2e-3, rtol: 2e-3, "dC\(i + 3)")
        }
        for name in ["neck.fpn_convs.3.weight", "neck.fpn_convs.4.weight", "neck.fpn_convs.3.bias", "neck.fpn_convs.2.weight"] {
            let w = store.parameter(named: name)!
            for i in stride(from: 0, to: w.count, by: max(1, w.count / 6)) {
                assertClose(Double(w.grads[i]), centralDifference(w.values, i, step: 1e-2, loss: loss), atol: 2e-3, rtol: 2e-3, "\(name)[\(i)]")
            }
        }
    }

    /// PyTorch-layout export and import of the whole reference network round-trips bit for bit:
    /// the torchvision backbone names pass through, frozen-BN tensors keep their layout.
    func testTorchLayoutRoundTrip() throws {
        let a = DetectorNetwork(config: config, seed: 1), b = DetectorNetwork(config: config, seed: 9)
        let exported = try TorchWeights.export(a.store.namedTensors(), file: "a")
        let names = Set(exported.map(\.name))
        XCTAssertTrue(names.contains("backbone.layer1.0.bn1.running_var"))
        XCTAssertTrue(names.contains("backbone.layer1.0.downsample.1.weight"))
        XCTAssertEqual(exported.first { $0.name == "backbone.conv1.weight" }?.shape, [4, 3, 7, 7])
        XCTAssertEqual(exported.first { $0.name == "backbone.bn1.weight" }?.shape, [4])
        XCTAssertEqual(exported.first { $0.name == "backbone.layer1.0.downsample.0.weight" }?.shape, [16, 4, 1, 1])
        try TorchWeights.load(exported, into: b.store, file: "a")
        XCTAssertEqual(b.store.snapshotValues(), a.store.snapshotValues())
    }
}
