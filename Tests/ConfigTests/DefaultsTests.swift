import XCTest
@testable import Config

final class DefaultsTests: XCTestCase {
    func testMinimalBaselineFillsEveryDefault() throws {
        let c = try XCTUnwrap(load(minimalYAML()))
        XCTAssertEqual(c.name, "t")
        XCTAssertEqual(c.seed, 0)
        XCTAssertEqual(c.mode, .baseline)
        XCTAssertNil(c.networkB)
        XCTAssertEqual(c.workDir, "work-dirs/t")

        XCTAssertEqual(c.anchors.strides, [8, 16, 32])
        XCTAssertEqual(c.anchors.scale, 2)
        XCTAssertEqual(c.anchors.centerOffset, 0)

        XCTAssertEqual(c.data.dataset, .builtin)
        XCTAssertEqual(c.data.trainSize, 4000)
        XCTAssertEqual(c.data.valSize, 500)
        XCTAssertEqual(c.data.seed, 0)
        XCTAssertEqual(c.data.imageSize, 128)
        XCTAssertNil(c.data.trainAnnotations)
        XCTAssertEqual(c.data.flip, true)
        XCTAssertEqual(c.data.skipInvalid, false)

        let t = c.train
        XCTAssertEqual(t.batchSize, 8)
        XCTAssertEqual(t.iterations, 2000)
        XCTAssertEqual(t.lr, 0.01)
        XCTAssertEqual(t.momentum, 0.9)
        XCTAssertEqual(t.weightDecay, 1e-4)
        XCTAssertEqual(t.warmupIters, 300)
        XCTAssertEqual(t.warmupRatio, 0.001)
        XCTAssertEqual(t.lrSteps, [1400, 1800])
        XCTAssertEqual(t.lrGamma, 0.1)
        XCTAssertNil(t.clipGradNorm)
        XCTAssertEqual(t.logEvery, 20)
        XCTAssertNil(t.evalEvery)
        XCTAssertEqual(t.checkpointEvery, 500)
        XCTAssertEqual(t.keepCheckpoints, 3)

        XCTAssertEqual(c.loss.variant, .paa)
        XCTAssertEqual(c.colad.rule, .stdMean)
        XCTAssertEqual(c.colad.granularity, .iteration)

        XCTAssertNil(c.distributed.ranksPerNetwork)
        XCTAssertNil(c.distributed.coordinator)
        XCTAssertEqual(c.distributed.statusBind, "tcp://127.0.0.1:0")
        XCTAssertEqual(c.distributed.timeoutSeconds, 30)
        XCTAssertEqual(c.distributed.heartbeatSeconds, 2)
        XCTAssertEqual(c.distributed.maxMessageBytes, 64 << 20)

        XCTAssertEqual(c.eval.scoreThreshold, 0.05)
        XCTAssertEqual(c.eval.nmsIoU, 0.6)
        XCTAssertEqual(c.eval.nmsPre, 1000)
        XCTAssertEqual(c.eval.maxPerImage, 100)
        XCTAssertEqual(c.eval.scoreVoting, true)
        XCTAssertEqual(c.eval.network, .a)
    }

    func testPresetsMatchDesign() throws {
        let c = try XCTUnwrap(load(minimalYAML("colad")))
        XCTAssertEqual(c.networkA, NetworkConfig(stem: 16, widths: [16, 32, 64, 128], blocks: [1, 1, 1, 1],
                                                 fpnChannels: 64, headChannels: 64, headConvs: 2, preset: "tiny"))
        XCTAssertEqual(c.networkB, NetworkConfig(stem: 32, widths: [32, 64, 128, 256], blocks: [2, 2, 2, 2],
                                                 fpnChannels: 64, headChannels: 64, headConvs: 2, preset: "small"))
    }

    func testExplicitKeysOverrideThePreset() throws {
        let c = try XCTUnwrap(load("""
        name: t
        mode: baseline
        network_a: {preset: small, blocks: [1, 2, 3, 1], head_convs: 4}
        train: {iterations: 10}
        """))
        XCTAssertEqual(c.networkA.preset, "small")
        XCTAssertEqual(c.networkA.stem, 32)
        XCTAssertEqual(c.networkA.blocks, [1, 2, 3, 1])
        XCTAssertEqual(c.networkA.headConvs, 4)
    }

    func testExplicitArchitectureWithoutPreset() throws {
        let c = try XCTUnwrap(load("""
        name: t
        mode: baseline
        network_a:
          stem: 24
          widths: [24, 48, 96, 192]
          blocks: [3, 3, 3, 3]
        train: {iterations: 10}
        """))
        XCTAssertNil(c.networkA.preset)
        XCTAssertEqual(c.networkA.widths, [24, 48, 96, 192])
        XCTAssertEqual(c.networkA.fpnChannels, 64)
        XCTAssertEqual(c.networkA.headChannels, 64)
    }

    func testModeDependentDefaults() throws {
        // SPEC §8: soft λ_cls 10 / min_iou 0.1, solad λ_cls 2 / min_iou 0.5; loss variant lad for
        // every distillation mode; eval the student (b), both networks for colad.
        let soft = try XCTUnwrap(load(minimalYAML("soft")))
        XCTAssertEqual(soft.loss.variant, .lad)
        XCTAssertEqual(soft.loss.kd.clsWeight, 10)
        XCTAssertEqual(soft.loss.kd.minIoU, 0.1)
        XCTAssertEqual(soft.loss.kd.iouWeight, 10)
        XCTAssertEqual(soft.loss.kd.boxWeight, 1.3)
        XCTAssertEqual(soft.loss.kd.gamma, 0.5)
        XCTAssertEqual(soft.eval.network, .b)

        let solad = try XCTUnwrap(load(minimalYAML("solad")))
        XCTAssertEqual(solad.loss.kd.clsWeight, 2)
        XCTAssertEqual(solad.loss.kd.minIoU, 0.5)

        let lad = try XCTUnwrap(load(minimalYAML("lad")))
        XCTAssertEqual(lad.loss.variant, .lad)
        XCTAssertEqual(lad.networkA.checkpoint, "teacher.safetensors")

        let colad = try XCTUnwrap(load(minimalYAML("colad")))
        XCTAssertEqual(colad.loss.variant, .lad)
        XCTAssertEqual(colad.eval.network, .both)
    }

    func testScheduleDefaultsScaleWithIterations() throws {
        let c = try XCTUnwrap(load(minimalYAML(iterations: 100)))
        XCTAssertEqual(c.train.warmupIters, 15)
        XCTAssertEqual(c.train.lrSteps, [70, 90])
        XCTAssertEqual(ScheduleConfig.defaultWarmupIters(iterations: 100_000), 500)
        XCTAssertEqual(ScheduleConfig.defaultLRSteps(iterations: 1), [])
        XCTAssertEqual(ScheduleConfig.defaultLRSteps(iterations: 2), [1])
    }

    func testNumbersInAnyYAMLSpelling() throws {
        let c = try XCTUnwrap(load(minimalYAML() + """
        loss: {kd: {cls_weight: 1e-1, min_iou: .25}}
        distributed: {max_message_bytes: 1_048_576, timeout_seconds: 5}
        """))
        XCTAssertEqual(c.loss.kd.clsWeight, 0.1)
        XCTAssertEqual(c.loss.kd.minIoU, 0.25)
        XCTAssertEqual(c.distributed.maxMessageBytes, 1_048_576)
        XCTAssertEqual(c.distributed.timeoutSeconds, 5)
    }

    func testNullOptionalsAndEmptySections() throws {
        let c = try XCTUnwrap(load("""
        name: t
        mode: baseline
        network_a: {preset: tiny}
        network_b: null
        anchors:
        train: {iterations: 10, checkpoint_every: null, keep_checkpoints: ~, lr_steps: []}
        """))
        XCTAssertNil(c.networkB)
        XCTAssertNil(c.train.checkpointEvery)
        XCTAssertNil(c.train.keepCheckpoints)
        XCTAssertEqual(c.train.lrSteps, [])
    }

    func testConfigBuiltInCodeMatchesLoadedDefaults() throws {
        let loaded = try XCTUnwrap(load(minimalYAML("colad")))
        let built = TrainingConfig(name: "t", mode: .colad, networkA: NetworkConfig.preset("tiny")!,
                                   networkB: NetworkConfig.preset("small")!, iterations: 2000)
        XCTAssertEqual(built, loaded)
        XCTAssertNoThrow(try built.validate())
    }

    func testRanksPerNetwork() throws {
        var d = DistributedConfig()
        XCTAssertEqual(try d.ranksPerNetwork(worldSize: 1, networkCount: 2), 1)  // single process
        XCTAssertEqual(try d.ranksPerNetwork(worldSize: 3, networkCount: 2), 1)
        XCTAssertEqual(try d.ranksPerNetwork(worldSize: 5, networkCount: 2), 2)
        XCTAssertEqual(try d.ranksPerNetwork(worldSize: 3, networkCount: 1), 2)
        XCTAssertThrowsError(try d.ranksPerNetwork(worldSize: 4, networkCount: 2)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("distributed.ranks_per_network") && text.contains("-np 3, 5, 7"), text)
        }
        d.coordinator = "tcp://10.0.0.1:5555"
        XCTAssertEqual(try d.ranksPerNetwork(worldSize: 4, networkCount: 2), 2)
        d.ranksPerNetwork = 1
        XCTAssertThrowsError(try d.ranksPerNetwork(worldSize: 4, networkCount: 2))
    }

    /// ranks_a / ranks_b: given, or one of them the rest of the workers; validated ≥ 1.
    func testUnequalRankCounts() throws {
        var d = DistributedConfig()
        XCTAssertEqual(try d.rankCounts(worldSize: 5, networkCount: 2), [2, 2], "without them: ranks_per_network for both")
        d.ranksA = 1
        XCTAssertEqual(try d.rankCounts(worldSize: 5, networkCount: 2), [1, 3])
        d.ranksB = 2
        XCTAssertEqual(try d.rankCounts(worldSize: 4, networkCount: 2), [1, 2])
        d.coordinator = "tcp://10.0.0.1:5555"
        XCTAssertEqual(try d.rankCounts(worldSize: 3, networkCount: 2), [1, 2], "an external coordinator is no rank")
        var c = TrainingConfig(name: "t", mode: .colad, networkA: NetworkConfig.preset("tiny")!, networkB: NetworkConfig.preset("tiny")!, iterations: 10)
        c.distributed.ranksB = 0
        XCTAssertThrowsError(try c.validate()) { e in XCTAssertTrue("\(e)".contains("distributed.ranks_b"), "\(e)") }
    }
}
