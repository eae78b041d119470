// network_*.init_from reaches the network a training run builds (Training.NetworkWorker).
import Foundation
import XCTest
import Config
import Engine
import Models
import Training
import TestSupport

final class InitFromWorkerTests: XCTestCase {
    func parityNetwork(initFrom: String?, prefixes: [String]) throws -> NetworkConfig {
        let m = try TorchFixtures.architecture()
        return NetworkConfig(stem: m.stem, widths: m.widths, blocks: m.blocks, fpnChannels: m.fpnChannels,
                             headChannels: m.headChannels, headConvs: m.headConvs, initFrom: initFrom, initPrefixes: prefixes)
    }

    func testWorkerStartsFromThePyTorchBackbone() throws {
        let path = fixtureURL("torch/torch_weights.safetensors").path
        let classes = try TorchFixtures.architecture().numClasses
        let schedule = ScheduleConfig(iterations: 10)
        let plain = try NetworkWorker(id: .a, config: try parityNetwork(initFrom: nil, prefixes: []), numClasses: classes,
                                      seed: 1, stream: "test", train: schedule, frozen: false)
        let w = try NetworkWorker(id: .a, config: try parityNetwork(initFrom: path, prefixes: ["backbone."]), numClasses: classes,
                                  seed: 1, stream: "test", train: schedule, frozen: false)
        let file = try TorchFixtures.read("torch_weights").tensors
        for e in TorchNameMap(w.network.store).entries {
            let got = w.network.store.parameter(named: e.colad)!.valueArray
            if e.torch.hasPrefix("backbone.") {
                XCTAssertEqual(got, e.layout.toColad(file[e.torch]!.values, coladShape: e.coladShape), e.torch)
            } else {
                XCTAssertEqual(got, plain.network.store.parameter(named: e.colad)!.valueArray, "\(e.torch) keeps colad's init")
            }
        }
        XCTAssertTrue(w.initialisation?.contains("under backbone. from \(path)") == true, w.initialisation ?? "nil")
        XCTAssertNil(plain.initialisation)
    }

    /// Another class count: the error names both cls-output tensors with their shapes.
    func testWrongClassCountNamesTheClsTensors() throws {
        let path = fixtureURL("torch/torch_weights.safetensors").path
        let (classes, h) = (try TorchFixtures.architecture().numClasses, try TorchFixtures.architecture().headChannels)
        XCTAssertThrowsError(try NetworkWorker(id: .b, config: try parityNetwork(initFrom: path, prefixes: []), numClasses: classes + 2,
                                               seed: 1, stream: "test", train: ScheduleConfig(iterations: 10), frozen: false)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix("\(path): 2 tensor problems:"), text)
            XCTAssertTrue(text.contains("mis-shaped head.atss_cls.weight: expected [\(classes + 2), \(h), 3, 3], found [\(classes), \(h), 3, 3]"), text)
            XCTAssertTrue(text.contains("mis-shaped head.atss_cls.bias: expected [\(classes + 2)], found [\(classes)]"), text)
            XCTAssertTrue(text.contains("another class count"), text)
        }
    }
}
