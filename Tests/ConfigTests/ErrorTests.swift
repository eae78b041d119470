import XCTest
@testable import Config

/// Every kind of error names the file, line and column, and the key path.
final class ErrorTests: XCTestCase {
    /// Lines 1–6 of a valid baseline config; tests append line 7 onwards.
    let head = """
    name: t
    mode: baseline
    network_a:
      preset: tiny
    train:
      iterations: 10

    """

    func testUnknownKeySuggestsTheNearestKey() {
        let e = expectConfigError(head + "  batch_sz: 4\n", contains: [
            "cfg.yaml:7:3: train.batch_sz: unknown key 'batch_sz'", "hint: did you mean 'batch_size'?",
        ])
        XCTAssertEqual(e?.file, "cfg.yaml")
        XCTAssertEqual(e?.line, 7)
        XCTAssertEqual(e?.column, 3)
        XCTAssertEqual(e?.keyPath, "train.batch_sz")
        XCTAssertEqual(e?.value, "batch_sz")
    }

    func testUnknownTopLevelKeys() {
        expectConfigError(head + "trian: {lr: 0.1}\n", contains: ["cfg.yaml:7:1: trian: unknown key", "did you mean 'train'?"])
        expectConfigError(head + "batch_size: 4\n", contains: ["cfg.yaml:7:1: batch_size: unknown key",
                                                                 "belongs elsewhere: train.batch_size"])
        expectConfigError(head + "teacher: {preset: small}\n", contains: ["teacher: unknown key", "network_a is the frozen teacher"])
        expectConfigError(head + "zzz: 1\n", contains: ["zzz: unknown key", "known keys: name, seed, mode"])
        expectConfigError(head + "<<: {seed: 1}\n", contains: ["cfg.yaml:7:1: <<: unknown key", "merge keys are not supported"])
    }

    func testUnknownKeyInNestedSections() {
        expectConfigError(head + "loss:\n  kd:\n    cls_wieght: 3\n", contains: [
            "cfg.yaml:9:5: loss.kd.cls_wieght: unknown key", "did you mean 'cls_weight'?",
        ])
        expectConfigError(head.replacingOccurrences(of: "  preset: tiny", with: "  preset: tiny\n  widht: [1]"),
                          contains: ["cfg.yaml:5:3: network_a.widht: unknown key", "did you mean 'widths'?"])
    }

    func testWrongTypes() {
        let e = expectConfigError(head + "  batch_size: eight\n", contains: [
            "cfg.yaml:7:15: train.batch_size: expected an integer, got 'eight'",
        ])
        XCTAssertEqual(e?.value, "eight")
        expectConfigError(head + "  batch_size: 4.5\n", contains: ["cfg.yaml:7:15: train.batch_size: expected an integer, got '4.5'"])
        expectConfigError(head + "  batch_size: '4'\n", contains: ["cfg.yaml:7:15: train.batch_size: expected an integer",
                                                                    "hint: remove the quotes"])
        expectConfigError(head + "  lr: fast\n", contains: ["cfg.yaml:7:7: train.lr: expected a number, got 'fast'"])
        expectConfigError(head + "  lr: .nan\n", contains: ["cfg.yaml:7:7: train.lr: expected a finite number"])
        expectConfigError(head + "data: {flip: maybe}\n", contains: ["cfg.yaml:7:14: data.flip: expected true or false, got 'maybe'"])
        expectConfigError(head + "  lr_steps: 300\n", contains: ["cfg.yaml:7:13: train.lr_steps: expected a list of integers, got '300'",
                                                                  "[8, 16, 32]"])
        expectConfigError(head + "  lr_steps: [300, x]\n", contains: ["cfg.yaml:7:19: train.lr_steps[1]: expected an integer, got 'x'"])
        expectConfigError(head + "anchors: 4\n", contains: ["cfg.yaml:7:10: anchors: expected a mapping of keys, got '4'"])
        expectConfigError(head + "name: [a, b]\n", contains: ["name: duplicate key", "first given at cfg.yaml:1:1"])
        expectConfigError(head.replacingOccurrences(of: "name: t", with: "name: [a, b]"),
                          contains: ["cfg.yaml:1:7: name: expected a string, got a list"])
    }

    func testNullWhereAValueIsNeeded() {
        expectConfigError(head + "  batch_size: null\n", contains: [
            "cfg.yaml:7:15: train.batch_size: expected an integer, got null", "omit the key to use the default (8)",
        ])
        expectConfigError(head.replacingOccurrences(of: "iterations: 10", with: "iterations:"), contains: [
            "cfg.yaml:6:14: train.iterations: expected an integer, got null", "hint: the total number of training iterations",
        ])
    }

    func testOutOfRange() {
        expectConfigError(head + "  batch_size: 0\n", contains: ["cfg.yaml:7:15: train.batch_size: must be ≥ 1, got 0"])
        expectConfigError(head + "  batch_size: -3\n", contains: ["cfg.yaml:7:15: train.batch_size: must be ≥ 1, got -3"])
        expectConfigError(head + "  lr: 0\n", contains: ["cfg.yaml:7:7: train.lr: must be > 0, got 0"])
        expectConfigError(head + "  lr: -1e-3\n", contains: ["cfg.yaml:7:7: train.lr: must be > 0, got -1e-3"])
        expectConfigError(head + "  momentum: 1.0\n", contains: ["train.momentum: must be in [0, 1)"])
        expectConfigError(head + "  lr_steps: [300, 200]\n", contains: [
            "cfg.yaml:7:19: train.lr_steps[1]: must be greater than the step before it (300), got 200",
        ])
        expectConfigError(head + "anchors: {strides: [8, 16, 32, 64]}\n", contains: ["anchors.strides: must be [8, 16, 32]", "P3–P5"])
        expectConfigError(head + "data: {image_size: 100}\n", contains: ["cfg.yaml:7:20: data.image_size: must be a positive multiple of 32"])
        expectConfigError(head + "distributed: {heartbeat_seconds: 40}\n",
                          contains: ["distributed.heartbeat_seconds: must be > 0 and below timeout_seconds (30.0), got 40"])
        expectConfigError(head + "distributed: {status_bind: 'localhost:5555'}\n",
                          contains: ["distributed.status_bind: must be a tcp://HOST:PORT or ipc://PATH endpoint"])
        expectConfigError(head + "distributed: {coordinator: 'tcp://127.0.0.1:0'}\n",
                          contains: ["distributed.coordinator: a connect endpoint needs a port number"])
        expectConfigError(head + "work_dir: out\nseed: -1\n", contains: ["cfg.yaml:8:7: seed: must be ≥ 0, got -1"])
    }

    func testArchitectureChecks() {
        let yaml = """
        name: t
        mode: baseline
        network_a:
          preset: tiny
          widths: [16, 36, 64, 128]
        train: {iterations: 10}
        """
        expectConfigError(yaml, contains: ["cfg.yaml:5:16: network_a.widths[1]: must be below 8 or a multiple of 8, got 36",
                                           "GroupNorm"])
        expectConfigError(yaml.replacingOccurrences(of: "[16, 36, 64, 128]", with: "[16, 32, 64]"),
                          contains: ["cfg.yaml:5:11: network_a.widths: must be a list of 4 stage widths, got [16, 32, 64]"])
        expectConfigError(yaml.replacingOccurrences(of: "preset: tiny", with: "preset: tinny"),
                          contains: ["cfg.yaml:4:11: network_a.preset: unknown preset 'tinny'; expected one of: tiny | small",
                                     "did you mean 'tiny'?"])
        expectConfigError(yaml.replacingOccurrences(of: "  preset: tiny\n", with: ""),
                          contains: ["cfg.yaml:3:1: network_a.stem: missing required key 'stem'",
                                     "give a preset (tiny | small), a torchvision backbone (resnet18 … resnet101), or all of stem, widths and blocks"])
    }

    func testUnknownEnumValue() {
        let e = expectConfigError(head.replacingOccurrences(of: "mode: baseline", with: "mode: colab"), contains: [
            "cfg.yaml:2:7: mode: unknown value 'colab'; expected one of: baseline | lad | soft | solad | colad",
            "did you mean 'colad'?",
        ])
        XCTAssertEqual(e?.value, "colab")
        expectConfigError(head + "colad: {rule: stdmean}\n", contains: [
            "cfg.yaml:7:15: colad.rule: unknown value 'stdmean'; expected one of: std-mean | mean | fixed-a | fixed-b",
            "did you mean 'std-mean'?",
        ])
        expectConfigError(head + "data: {dataset: imagenet}\n", contains: ["data.dataset: unknown value 'imagenet'", "builtin | coco"])
    }

    func testMissingRequiredKeys() {
        let noName = expectConfigError(head.replacingOccurrences(of: "name: t\n", with: ""),
                                       contains: ["cfg.yaml: name: missing required key 'name'"])
        XCTAssertNil(noName?.line)
        expectConfigError(head.replacingOccurrences(of: "mode: baseline\n", with: ""),
                          contains: ["cfg.yaml: mode: missing required key 'mode'", "baseline | lad"])
        expectConfigError(head.replacingOccurrences(of: "  iterations: 10\n", with: "  batch_size: 4\n"),
                          contains: ["cfg.yaml:5:1: train.iterations: missing required key 'iterations'"])
        expectConfigError("name: t\nmode: baseline\ntrain: {iterations: 1}\n",
                          contains: ["cfg.yaml: network_a: missing required key 'network_a'", "{preset: tiny}"])
        expectConfigError("", contains: ["cfg.yaml: name: missing required key"])
        expectConfigError(head + "data: {dataset: coco, train_annotations: a.json}\n",
                          contains: ["cfg.yaml:7:17: data.train_images: dataset coco needs data.train_images"])
    }

    func testSyntaxErrorsAndDocumentShape() {
        expectConfigError(head + "  lr: [0.1\n", contains: ["cfg.yaml:8:1: invalid YAML"])
        expectConfigError("- a\n- b\n", contains: ["cfg.yaml:1:1: a config must be a mapping of keys, got a list"])
        expectConfigError(head + "? [a, b]\n: 1\n", contains: ["cfg.yaml:7:3: a mapping key must be a plain name"])
    }

    func testMissingFile() {
        XCTAssertThrowsError(try TrainingConfig.load(file: "/nonexistent/x.yaml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("/nonexistent/x.yaml: cannot read the config file"), "\(e)")
        }
    }

    func testRequireFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfgtest-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lad.yaml")
        let weights = dir.appendingPathComponent("teacher.safetensors")
        try minimalYAML("lad").replacingOccurrences(of: "teacher.safetensors", with: weights.path)
            .write(to: file, atomically: true, encoding: .utf8)
        XCTAssertNoThrow(try TrainingConfig.load(file: file.path))  // paths unchecked by default
        XCTAssertThrowsError(try TrainingConfig.load(file: file.path, requireFiles: true)) { e in
            XCTAssertTrue("\(e)".contains("\(file.path):5:15: network_a.checkpoint: no such file"), "\(e)")
        }
        try Data().write(to: weights)
        XCTAssertNoThrow(try TrainingConfig.load(file: file.path, requireFiles: true))
        // A directory (a run's work dir, a checkpoint directory) is accepted too: Training
        // resolves the weights file when it loads it.
        try FileManager.default.removeItem(at: weights)
        try FileManager.default.createDirectory(at: weights, withIntermediateDirectories: true)
        XCTAssertNoThrow(try TrainingConfig.load(file: file.path, requireFiles: true))
    }

    func testValidateOnAConfigBuiltInCode() {
        var c = TrainingConfig(name: "x", mode: .baseline, networkA: .preset("tiny")!, iterations: 10)
        c.train.batchSize = 0
        XCTAssertThrowsError(try c.validate()) { e in
            XCTAssertEqual("\(e)", "train.batch_size: must be ≥ 1, got 0\n  hint: images per rank per iteration")
        }
    }
}
