// The torchvision-layout ResNet (Sources/Models/ResNet.swift) checked three ways: torchvision's
// own blocks at a narrow width (Tests/Fixtures/torch/resnet_*.safetensors, made by
// Tests/Fixtures/scripts/make_resnet_fixtures.py), finite differences, and the shapes / names /
// frozen stages the reference builds.
import Foundation
import XCTest
import Engine
@testable import Models
import TestSupport

final class ResNetTests: XCTestCase {
    /// The fixture's spec, network with the fixture's weights loaded, and the fixture's tensors.
    private func fixture(_ kind: String, frozenStages: Int = -1) throws -> (ResNet, ParameterStore, [String: NamedTensor]) {
        let (t, meta) = try TorchFixtures.read("resnet_\(kind)")
        let blocks = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(XCTUnwrap(meta["blocks"]).utf8)) as? [Int])
        let spec = ResNetSpec(block: try XCTUnwrap(ResNetSpec.Block(rawValue: meta["block"] ?? "")), blocks: blocks,
                              baseWidth: Int(meta["base_width"] ?? "") ?? 0,
                              norm: try XCTUnwrap(ResNetSpec.Norm(rawValue: meta["norm"] ?? "")), frozenStages: frozenStages)
        let store = ParameterStore(seed: 1)
        let net = ResNet(store, spec)
        let stateDict = t.values.filter { !["input", "c3", "c4", "c5", "g3", "g4", "g5"].contains($0.name) && !$0.name.hasPrefix("grad.") }
        XCTAssertEqual(try ResNetWeights.load(stateDict, into: store, file: "resnet_\(kind).safetensors"), store.parameters.count)
        return (net, store, t)
    }

    /// Forward C3–C5 and every trainable gradient agree with torchvision (float32 both sides;
    /// the difference is summation order in the convolutions).
    func testMatchesTorchvision() throws {
        for kind in ["basic", "bottleneck"] {
            let (net, store, t) = try fixture(kind)
            let feats = net.forward(TorchFixtures.nhwc(try XCTUnwrap(t["input"])), training: true)
            var worst = 0.0
            for (i, f) in feats.enumerated() {
                let ref = try XCTUnwrap(t["c\(i + 3)"])
                let mine = TorchFixtures.nchw(f, name: ref.name)
                XCTAssertEqual(mine.shape, ref.shape, "\(kind) c\(i + 3)")
                for (a, b) in zip(mine.values, ref.values) { worst = max(worst, abs(Double(a) - Double(b)) / max(1, abs(Double(b)))) }
            }
            XCTAssertLessThan(worst, 1e-4, "\(kind): C3–C5 differ from torchvision by \(worst)")
            store.zeroGrads()
            net.backward(try (3...5).map { TorchFixtures.nhwc(try XCTUnwrap(t["g\($0)"])) })
            var compared = 0
            for p in store.parameters {
                let name = String(p.name.dropFirst("backbone.".count))
                guard p.trainable else {
                    XCTAssertNil(t["grad." + name], "\(kind): \(name) is trained in torchvision")
                    XCTAssertTrue(p.gradArray.allSatisfy { $0 == 0 }, "\(kind): frozen \(name) got a gradient")
                    continue
                }
                let ref = try XCTUnwrap(t["grad." + name], "\(kind): no torchvision gradient for \(name)")
                let layout: TorchLayout = p.shape.count == 4 ? .convOIHW : .same
                let mine = layout.toTorch(p.gradArray, coladShape: p.shape)
                let scale = ref.values.map { abs(Double($0)) }.max() ?? 1
                let diff = zip(mine, ref.values).map { abs(Double($0) - Double($1)) }.max() ?? 0
                XCTAssertLessThan(diff / max(scale, 1e-6), 1e-4, "\(kind): gradient of \(name) differs by \(diff) (scale \(scale))")
                compared += 1
            }
            XCTAssertGreaterThan(compared, kind == "basic" ? 10 : 30, "\(kind): gradients compared")
        }
    }

    /// frozen_stages = 1 (the reference): the stem and layer1 are frozen and get no gradient; the
    /// stages above get exactly the gradients they get with nothing frozen.
    func testFrozenStagesStopBackward() throws {
        let (free, freeStore, t) = try fixture("bottleneck", frozenStages: -1)
        let (frozen, frozenStore, _) = try fixture("bottleneck", frozenStages: 1)
        let x = TorchFixtures.nhwc(try XCTUnwrap(t["input"]))
        let g = try (3...5).map { TorchFixtures.nhwc(try XCTUnwrap(t["g\($0)"])) }
        for (net, store) in [(free, freeStore), (frozen, frozenStore)] { store.zeroGrads(); _ = net.forward(x, training: true); net.backward(g) }
        for (p, q) in zip(freeStore.parameters, frozenStore.parameters) {
            XCTAssertEqual(p.name, q.name)
            let lowStage = p.name.hasPrefix("backbone.conv1") || p.name.hasPrefix("backbone.bn1") || p.name.hasPrefix("backbone.layer1.")
            XCTAssertEqual(q.trainable, !lowStage, q.name)
            if lowStage { XCTAssertTrue(q.gradArray.allSatisfy { $0 == 0 }, q.name) } else { XCTAssertEqual(q.gradArray, p.gradArray, q.name) }
        }
    }

    /// Finite differences through one residual block of each kind (stride 2, projected
    /// shortcut; frozen BN and GroupNorm): the input gradient and a sample of every trainable
    /// tensor. Every norm's shift is set to about +3 (and the conv weights scaled down) so that no
    /// ReLU input comes near its kink
    /// (a central difference across a kink is not a derivative; the masks themselves are checked
    /// in the norm layers' own tests and against torchvision above), which leaves the block
    /// smooth and the check tight.
    func testFiniteDifferences() {
        for (block, norm) in [(ResNetSpec.Block.basic, ResNetSpec.Norm.groupNorm), (.bottleneck, .frozenBN),
                              (.bottleneck, .groupNorm), (.basic, .frozenBN)] {
            let spec = ResNetSpec(block: block, blocks: [1, 1, 1, 1], baseWidth: 4, norm: norm, frozenStages: -1)
            let store = ParameterStore(seed: 5)
            let b = ResidualBlock(store, "b", spec, cin: 3, planes: 4, stride: 2, frozen: false)
            var rng = SplitMix64(seed: 9)
            for p in store.parameters where p.shape.count == 1 {
                let range: (Double, Double) = p.name.hasSuffix("weight") ? (0.3, 0.7) : p.name.hasSuffix("bias") ? (2.5, 3.5)
                    : p.name.hasSuffix("running_var") ? (0.5, 1.5) : (-0.3, 0.3)
                for i in 0..<p.count { p.values[i] = Float(rng.uniform(range.0, range.1)) }
            }
            // Small conv weights keep the frozen-BN chain's pre-activations near the shifts (GroupNorm
            // normalises them anyway, and is scale-invariant in the weights: leave those alone).
            for p in store.parameters where p.shape.count == 4 && norm == .frozenBN { for i in 0..<p.count { p.values[i] *= 0.2 } }
            let x = randomTensor([2, 6, 4, 3], seed: 31)
            let dy = randomTensor([2, 3, 2, 4 * spec.expansion], seed: 32)
            _ = b.forward(x, training: true)
            store.zeroGrads()
            let dx = try! XCTUnwrap(b.backward(dy, needInputGrad: true))
            let loss = { dot(b.forward(x, training: false), dy) }
            let num = numericalGradient(of: x, step: 1e-2) { dot(b.forward($0, training: false), dy) }
            assertClose(dx.data, num, atol: 3e-3, rtol: 3e-3, "\(block) \(norm): dx")
            var checked = 0
            for p in store.parameters where p.trainable {
                for i in stride(from: 0, to: p.count, by: max(1, p.count / 4)) {
                    let n = centralDifference(p.values, i, step: 1e-2, loss: loss)
                    assertClose(Double(p.grads[i]), n, atol: 3e-3, rtol: 3e-3, "\(block) \(norm): \(p.name)[\(i)]")
                    checked += 1
                }
            }
            XCTAssertGreaterThan(checked, 10, "\(block) \(norm)")
        }
    }

    /// torchvision's depths: names, block kinds and output channels (no weights needed).
    func testTorchvisionDepths() throws {
        let expected: [Int: (params: Int, last: String)] = [18: (11_176_512, "layer4.1.bn2.running_var"),
                                                            50: (23_508_032, "layer4.2.bn3.running_var")]
        for (d, e) in expected {
            let store = ParameterStore(seed: 0)
            let net = ResNet(store, try XCTUnwrap(ResNetSpec.depth(d)))
            // torchvision's parameter count without fc (weights + BN affine) plus the running statistics.
            let learnable = store.parameters.filter { !$0.name.hasSuffix("running_mean") && !$0.name.hasSuffix("running_var") }
            XCTAssertEqual(learnable.reduce(0) { $0 + $1.count }, e.params, "resnet\(d)")
            XCTAssertEqual(store.parameters.last?.name, "backbone." + e.last)
            XCTAssertEqual(net.spec.outChannels, d == 18 ? [128, 256, 512] : [512, 1024, 2048])
        }
        XCTAssertNil(ResNetSpec.depth(42))
    }

    /// A wrong file names every problem: a missing tensor, an unexpected one, a mis-shaped one;
    /// torchvision's fc and num_batches_tracked are not problems. Nothing is written on failure.
    func testLoadErrorsNameEveryTensor() throws {
        let (t, _) = try TorchFixtures.read("resnet_basic")
        var sd = t.values.filter { !["input", "c3", "c4", "c5", "g3", "g4", "g5"].contains($0.name) && !$0.name.hasPrefix("grad.") }
        sd.append(NamedTensor(name: "fc.weight", shape: [2, 32], values: .init(repeating: 0, count: 64)))
        sd.append(NamedTensor(name: "bn1.num_batches_tracked", shape: [], values: [0]))
        let store = ParameterStore(seed: 1)
        _ = ResNet(store, ResNetSpec(block: .basic, blocks: [2, 1, 1, 1], baseWidth: 4, norm: .frozenBN))
        XCTAssertNoThrow(try ResNetWeights.load(sd, into: store, file: "ok"))
        sd.removeAll { $0.name == "layer2.0.conv1.weight" }
        sd.append(NamedTensor(name: "layer9.0.conv1.weight", shape: [1], values: [0]))
        let i = try XCTUnwrap(sd.firstIndex { $0.name == "conv1.weight" })
        sd[i] = NamedTensor(name: "conv1.weight", shape: [4, 3, 3, 3], values: .init(repeating: 0, count: 108))
        let before = store.snapshotValues()
        XCTAssertThrowsError(try ResNetWeights.load(sd, into: store, file: "w.safetensors")) { error in
            let e = error as! TorchWeightsError
            XCTAssertEqual(e.problems.count, 3, "\(e)")
            let text = "\(e)"
            for part in ["w.safetensors", "missing layer2.0.conv1.weight: expected shape [8, 4, 3, 3]",
                         "unexpected layer9.0.conv1.weight", "mis-shaped conv1.weight: expected [4, 3, 7, 7], found [4, 3, 3, 3]", "hint:"] {
                XCTAssertTrue(text.contains(part), "'\(part)' not in \(text)")
            }
        }
        XCTAssertEqual(store.snapshotValues(), before)
    }
}
