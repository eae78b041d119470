// network_*.backbone / backbone_norm / frozen_stages / backbone_weights / fpn_levels / gn_groups:
// the paper's detectors as config (the networks themselves are tested in ModelsTests).
import XCTest
@testable import Config

final class BackboneKeysTests: XCTestCase {
    func testDefaultsKeepThePresets() throws {
        let c = try XCTUnwrap(load(minimalYAML()))
        XCTAssertEqual(c.networkA.backbone, .gnResnet)
        XCTAssertEqual(c.networkA.fpnLevels, 3)
        XCTAssertEqual(c.networkA.gnGroups, 8)
        XCTAssertEqual(c.anchors.strides, [8, 16, 32])
        XCTAssertEqual(c.networkA.label, "tiny")
    }

    /// A torchvision backbone needs no stem / widths / blocks; five levels bring five strides.
    func testReferenceNetwork() throws {
        let yaml = """
        name: r
        mode: baseline
        network_a: {backbone: resnet50, fpn_levels: 5, fpn_channels: 256, head_channels: 256, head_convs: 4, gn_groups: 32,
                    backbone_weights: w.safetensors}
        train: {iterations: 10}
        """
        let c = try XCTUnwrap(load(yaml))
        XCTAssertEqual(c.networkA.backbone, .resnet50)
        XCTAssertEqual(c.networkA.backbone.depth, 50)
        XCTAssertEqual(c.networkA.backboneNorm, .frozenBN)
        XCTAssertEqual(c.networkA.frozenStages, 1)
        XCTAssertEqual(c.anchors.strides, [8, 16, 32, 64, 128])
        XCTAssertEqual(c.networkA.label, "resnet50")
        XCTAssertEqual(try TrainingConfig.parse(yaml: c.resolvedYAML(), file: "config.yaml"), c)
        // A preset with a torchvision backbone keeps the backbone (the preset gives the rest).
        let p = try XCTUnwrap(load(minimalYAML(), overrides: ["network_a.backbone=resnet18", "network_a.backbone_norm=gn"]))
        XCTAssertEqual(p.networkA.backbone, .resnet18)
        XCTAssertEqual(p.networkA.backboneNorm, .gn)
        XCTAssertEqual(p.networkA.fpnChannels, 64)
    }

    /// network_*.conv3x3: im2col by default, winograd or winograd4x4 when asked, written back by resolvedYAML,
    /// and a wrong word named with the choices.
    func testConv3x3Algorithm() throws {
        XCTAssertEqual(try XCTUnwrap(load(minimalYAML())).networkA.conv3x3, .im2col)
        let c = try XCTUnwrap(load(minimalYAML("colad"), overrides: ["network_b.conv3x3=winograd"]))
        XCTAssertEqual(c.networkA.conv3x3, .im2col)
        XCTAssertEqual(c.networkB?.conv3x3, .winograd)
        XCTAssertEqual(c.networkB?.preset, "small")
        XCTAssertTrue(c.resolvedYAML().contains("conv3x3: winograd"))
        XCTAssertEqual(try TrainingConfig.parse(yaml: c.resolvedYAML(), file: "config.yaml"), c)
        let four = try XCTUnwrap(load(minimalYAML(), overrides: ["network_a.conv3x3=winograd4x4"]))
        XCTAssertEqual(four.networkA.conv3x3, .winograd4x4)
        XCTAssertEqual(try TrainingConfig.parse(yaml: four.resolvedYAML(), file: "config.yaml"), four)
        expectConfigError(minimalYAML(), overrides: ["network_a.conv3x3=fft"],
                          contains: ["network_a.conv3x3", "fft", "im2col | winograd | winograd4x4"])
    }

    func testErrors() {
        expectConfigError(minimalYAML(), overrides: ["network_a.fpn_levels=4"], contains: ["network_a.fpn_levels: must be 3 or 5, got 4", "P3–P7"])
        expectConfigError(minimalYAML(), overrides: ["network_a.fpn_levels=5", "anchors.strides=[8, 16, 32]"],
                          contains: ["anchors.strides: must be [8, 16, 32, 64, 128]", "fpn_levels 5"])
        expectConfigError(minimalYAML("colad"), overrides: ["network_a.fpn_levels=5"],
                          contains: ["network_b.fpn_levels: must be network_a's 5, got 3", "same pyramid levels"])
        expectConfigError(minimalYAML(), overrides: ["network_a.gn_groups=3"], contains: ["network_a.gn_groups", "divide head_channels (64)"])
        expectConfigError(minimalYAML(), overrides: ["network_a.backbone_weights=w.safetensors"],
                          contains: ["network_a.backbone_weights: must be null with backbone gn_resnet", "resnet18 … resnet101"])
        expectConfigError(minimalYAML(), overrides: ["network_a.backbone=resnet50", "network_a.frozen_stages=5"],
                          contains: ["network_a.frozen_stages: must be in -1…4, got 5"])
        expectConfigError(minimalYAML(), overrides: ["network_a.backbone=resnet42"], contains: ["network_a.backbone", "resnet42", "resnet101"])
        expectConfigError(minimalYAML("lad"), overrides: ["network_a.backbone=resnet101", "network_a.backbone_weights=w.safetensors"],
                          contains: ["network_a.backbone_weights: must be null when checkpoint is set", "keep one"])
        expectConfigError("name: x\nmode: baseline\nnetwork_a: {fpn_channels: 64}\ntrain: {iterations: 5}\n",
                          contains: ["resnet18 … resnet101"])
    }

    /// With the files required (colad train), a missing weights file is named with the command
    /// that writes it.
    func testMissingWeightsFileNamesTheConverter() {
        XCTAssertThrowsError(try TrainingConfig.parse(yaml: minimalYAML(), file: "cfg.yaml",
                                                      overrides: ["network_a.backbone=resnet50", "network_a.backbone_weights=nope/r50.safetensors"],
                                                      requireFiles: true)) { error in
            let text = "\(error)"
            for part in ["network_a.backbone_weights", "no such file: nope/r50.safetensors", "launch/convert-torchvision-weights 50 nope/r50.safetensors"] {
                XCTAssertTrue(text.contains(part), "'\(part)' not in \(text)")
            }
        }
    }
}
