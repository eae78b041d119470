import XCTest
@testable import Config

final class ModeRequirementTests: XCTestCase {
    func testFrozenTeacherModesNeedACheckpoint() {
        for mode in ["lad", "soft", "solad"] {
            let yaml = minimalYAML(mode).replacingOccurrences(of: "  checkpoint: teacher.safetensors\n", with: "")
            let e = expectConfigError(yaml, contains: [
                "cfg.yaml:3:1: network_a.checkpoint: mode \(mode) needs network_a.checkpoint: the weights of the frozen teacher",
                "hint: train the teacher first",
            ])
            XCTAssertEqual(e?.keyPath, "network_a.checkpoint")
        }
        XCTAssertNotNil(load(minimalYAML("colad")))  // colad: checkpoints are optional inits
    }

    func testTwoNetworkModesNeedNetworkB() {
        for mode in ["lad", "soft", "solad", "colad"] {
            let yaml = minimalYAML(mode).replacingOccurrences(of: "network_b: {preset: small}\n", with: "")
            expectConfigError(yaml, contains: ["cfg.yaml:2:7: network_b: mode \(mode) needs network_b", "network_b: {preset: tiny}"])
        }
    }

    func testBaselineRejectsNetworkB() {
        expectConfigError(minimalYAML() + "network_b: {preset: small}\n", contains: [
            "cfg.yaml:6:1: network_b: mode baseline trains one network", "--set network_b=null",
        ])
        expectConfigError(minimalYAML() + "eval: {network: b}\n", contains: ["cfg.yaml:6:17: eval.network: mode baseline has no network_b"])
    }
}

final class OverrideTests: XCTestCase {
    func testValidOverrides() throws {
        let c = try XCTUnwrap(load(minimalYAML("colad"), overrides: [
            "train.batch_size=4", "colad.rule=mean", "train.lr_steps=[300,400]", "train.lr=2e-3",
            "network_b.preset=tiny", "eval.network=b", "distributed.coordinator=tcp://127.0.0.1:5555",
            "data={dataset: builtin, train_size: 64}", "train.clip_grad_norm=10", "name=run-2",
        ]))
        XCTAssertEqual(c.train.batchSize, 4)
        XCTAssertEqual(c.colad.rule, .mean)
        XCTAssertEqual(c.train.lrSteps, [300, 400])
        XCTAssertEqual(c.train.lr, 0.002)
        XCTAssertEqual(c.networkB?.preset, "tiny")
        XCTAssertEqual(c.networkB?.stem, 16)
        XCTAssertEqual(c.eval.network, .b)
        XCTAssertEqual(c.distributed.coordinator, "tcp://127.0.0.1:5555")
        XCTAssertEqual(c.data.trainSize, 64)
        XCTAssertEqual(c.train.clipGradNorm, 10)
        XCTAssertEqual(c.name, "run-2")
        XCTAssertEqual(c.workDir, "work-dirs/run-2")  // derived defaults follow the override
    }

    func testOverridesApplyInOrderAndCreateSections() throws {
        let c = try XCTUnwrap(load(minimalYAML(), overrides: [
            "train.iterations=100", "loss.kd.gamma=1", "train.iterations=50",
        ]))
        XCTAssertEqual(c.train.iterations, 50)
        XCTAssertEqual(c.train.lrSteps, [35, 45])
        XCTAssertEqual(c.loss.kd.gamma, 1)
    }

    func testOverrideCanRemoveAndAddSections() throws {
        let base = try XCTUnwrap(load(minimalYAML("colad"), overrides: ["mode=baseline", "network_b=null"]))
        XCTAssertNil(base.networkB)
        XCTAssertEqual(base.loss.variant, .paa)
        let two = try XCTUnwrap(load(minimalYAML(), overrides: ["mode=colad", "network_b.preset=small"]))
        XCTAssertEqual(two.networkB?.preset, "small")
    }

    func testUnknownKeyInOverride() {
        let e = expectConfigError(minimalYAML(), overrides: ["train.batch_sz=4"], contains: [
            "--set train.batch_sz=4: train.batch_sz: unknown key 'batch_sz'", "did you mean 'batch_size'?",
        ])
        XCTAssertEqual(e?.override, "train.batch_sz=4")
        XCTAssertNil(e?.line)
        expectConfigError(minimalYAML(), overrides: ["trian.lr=0.1"], contains: ["--set trian.lr=0.1: trian: unknown key", "did you mean 'train'?"])
        expectConfigError(minimalYAML(), overrides: ["data={dataset: coco, flp: false}"],
                          contains: ["--set data={dataset: coco, flp: false}: data.flp: unknown key", "did you mean 'flip'?"])
    }

    func testBadValueInOverride() {
        expectConfigError(minimalYAML(), overrides: ["train.batch_size=eight"], contains: [
            "--set train.batch_size=eight: train.batch_size: expected an integer, got 'eight'",
        ])
        expectConfigError(minimalYAML(), overrides: ["train.batch_size=0"], contains: [
            "--set train.batch_size=0: train.batch_size: must be ≥ 1, got 0",
        ])
        expectConfigError(minimalYAML(), overrides: ["train.lr_steps=[300,x]"], contains: [
            "--set train.lr_steps=[300,x]: train.lr_steps[1]: expected an integer, got 'x'",
        ])
        expectConfigError(minimalYAML(), overrides: ["train.lr_steps=[300"], contains: ["--set train.lr_steps=[300: train.lr_steps: invalid YAML"])
        expectConfigError(minimalYAML(), overrides: ["colad.rule=best"], contains: [
            "--set colad.rule=best: colad.rule: unknown value 'best'; expected one of: std-mean | mean | fixed-a | fixed-b",
        ])
        expectConfigError(minimalYAML(), overrides: ["mode=lad"], contains: ["--set mode=lad: network_b: mode lad needs network_b"])
    }

    func testMalformedOverrides() {
        expectConfigError(minimalYAML(), overrides: ["train.batch_size"], contains: ["--set train.batch_size: expected key.path=value"])
        expectConfigError(minimalYAML(), overrides: ["train..lr=1"], contains: ["--set train..lr=1: train..lr: malformed key path"])
        expectConfigError(minimalYAML(), overrides: ["=1"], contains: ["--set =1: malformed key path"])
        expectConfigError(minimalYAML(), overrides: ["name.first=x"], contains: [
            "--set name.first=x: name.first: cannot set a key inside 'name', which is 't' (cfg.yaml:1:7)",
        ])
    }

    func testErrorsInTheFileStillNameTheFile() {
        // An override elsewhere does not hide where the file's own mistake is.
        expectConfigError(minimalYAML() + "eval: {nms_iou: 2}\n", overrides: ["train.batch_size=4"],
                          contains: ["cfg.yaml:6:17: eval.nms_iou: must be in (0, 1], got 2"])
    }
}
