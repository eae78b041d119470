import Foundation
import XCTest
@testable import Config

/// The key table (Keys.swift) drives the schema, the decoder and the writer: these tests fail
/// when they disagree for any key, or when configs/README.md and the table do.
final class KeyTableTests: XCTestCase {
    /// A config with both networks and every optional value set differently from `other`.
    static let base: TrainingConfig = {
        var c = TrainingConfig(name: "base", mode: .lad, networkA: .preset("tiny", checkpoint: "a.safetensors")!,
                               networkB: .preset("small")!, iterations: 2000)
        c.data.trainAnnotations = "train.json"
        c.data.trainImages = "train"
        c.data.valAnnotations = "val.json"
        c.data.valImages = "val"
        return c
    }()

    /// Differs from `base` in every leaf (checked below), including null where base has a
    /// value and a value where base has null. Validity does not matter: these tests decode
    /// without validating.
    static let other: TrainingConfig = {
        var c = TrainingConfig(name: "other", mode: .colad, networkA: .preset("small", checkpoint: "b.safetensors")!,
                               networkB: NetworkConfig(stem: 24, widths: [24, 48, 96, 192], blocks: [3, 1, 1, 3],
                                                       fpnChannels: 32, headChannels: 48, headConvs: 3,
                                                       checkpoint: "init.safetensors"),
                               iterations: 300, seed: 7)
        c.networkA.stem = 40
        c.networkA.widths = [40, 80, 160, 320]
        c.networkA.blocks = [1, 2, 2, 1]
        c.networkA.fpnChannels = 96
        c.networkA.headChannels = 80
        c.networkA.headConvs = 4
        c.networkA.initFrom = "a.torch.safetensors"
        c.networkA.initPrefixes = ["backbone.", "neck."]
        c.networkB!.initFrom = "b.torch.safetensors"
        c.networkB!.initPrefixes = ["backbone.layer1"]
        c.networkA.backbone = .resnet50
        c.networkA.backboneNorm = .gn
        c.networkA.frozenStages = -1
        c.networkA.backboneWeights = "r50.safetensors"
        c.networkA.fpnLevels = 5
        c.networkA.gnGroups = 32
        c.networkB!.backbone = .resnet101
        c.networkB!.backboneNorm = .gn
        c.networkB!.frozenStages = 2
        c.networkB!.backboneWeights = "r101.safetensors"
        c.networkB!.fpnLevels = 5
        c.networkB!.gnGroups = 16
        c.networkA.conv3x3 = .winograd
        c.networkB!.conv3x3 = .winograd
        c.anchors = AnchorConfig()
        c.anchors.strides = [4, 8]
        c.anchors.scale = 8
        c.anchors.centerOffset = 0.5
        c.data.dataset = .coco
        c.data.trainSize = 10
        c.data.valSize = 5
        c.data.seed = 3
        c.data.imageSize = 256
        c.data.resize = .keepRatio
        c.data.maxSize = 1000
        c.data.shortSide = 600
        c.data.shortSideRange = [480, 600]
        c.data.flip = false
        c.data.skipInvalid = true
        c.train.batchSize = 2
        c.train.lr = 0.02
        c.train.momentum = 0.8
        c.train.weightDecay = 5e-4
        c.train.warmupIters = 10
        c.train.warmupRatio = 0.01
        c.train.lrSteps = [100]
        c.train.lrGamma = 0.5
        c.train.clipGradNorm = 35
        c.train.logEvery = 5
        c.train.evalEvery = 100
        c.train.checkpointEvery = nil
        c.train.keepCheckpoints = nil
        c.loss.variant = .paa
        c.loss.kd.clsWeight = 1
        c.loss.kd.iouWeight = 2
        c.loss.kd.boxWeight = 3
        c.loss.kd.gamma = 2
        c.loss.kd.minIoU = 0.3
        c.colad.rule = .fixedA
        c.colad.granularity = .object
        c.distributed.ranksPerNetwork = 2
        c.distributed.ranksA = 1
        c.distributed.ranksB = 3
        c.distributed.coordinator = "tcp://10.0.0.1:5555"
        c.distributed.statusBind = "ipc:///tmp/status"
        c.distributed.timeoutSeconds = 60
        c.distributed.heartbeatSeconds = 5
        c.distributed.maxMessageBytes = 4096
        c.distributed.balance = false
        c.distributed.threadsA = 1
        c.distributed.threadsB = 3
        c.monitor.tensorboard = false
        c.monitor.trace = true
        c.monitor.traceMaxEvents = 10
        c.monitor.prometheusPort = 9464
        c.monitor.prometheusHost = "0.0.0.0"
        c.eval.scoreThreshold = 0.1
        c.eval.nmsIoU = 0.5
        c.eval.nmsPre = 500
        c.eval.maxPerImage = 50
        c.eval.scoreVoting = false
        c.workDir = "elsewhere"
        return c
    }()

    /// Parses and decodes like `parse(yaml:overrides:)`, without validation; also returns the
    /// decode's recorded origins.
    func decode(_ yaml: String, overrides: [String] = []) throws -> (TrainingConfig, DecodeContext) {
        var root = try YAMLTree.parse(yaml, file: nil)
        for o in overrides { try TrainingConfig.applyOverride(o, to: &root) }
        let ctx = DecodeContext(file: nil)
        return (try TrainingConfig.decode(root, ctx: ctx), ctx)
    }

    /// Each leaf's value as the writer writes it.
    func texts(_ c: TrainingConfig) -> [String: String] {
        var texts: [String: String] = [:]
        for leaf in Schema.leaves {
            guard case .value(_, let text) = leaf.key.kind else {
                XCTFail("\(leaf.path): a leaf that is not a value")
                continue
            }
            texts[leaf.path] = text(c)
        }
        return texts
    }

    func testEveryKeyIsDeclaredOnce() {
        let paths = Schema.allPaths
        XCTAssertEqual(Set(paths).count, paths.count, "duplicate key paths in Keys.swift")
        XCTAssertEqual(Schema.keys(at: "")?.first, "name")
        XCTAssertEqual(Schema.keys(at: "loss.kd"), ["cls_weight", "iou_weight", "box_weight", "gamma", "min_iou"])
        XCTAssertEqual(Schema.keys(at: "network_a"), Schema.keys(at: "network_b"))
        XCTAssertNil(Schema.keys(at: "train.batch_size"))
        XCTAssertNil(Schema.keys(at: "kd"))
    }

    /// The keys the writer writes, the keys the decoder reads and the schema's are the same.
    func testWrittenDecodedAndSchemaPathsAgree() throws {
        let text = Self.base.resolvedYAML()
        func leaves(_ n: YNode, _ path: String) -> [String] {
            guard case .mapping(let entries) = n.kind else { return [path] }
            return entries.flatMap { leaves($0.value, path.isEmpty ? $0.key : "\(path).\($0.key)") }
        }
        let written = leaves(try YAMLTree.parse(text, file: nil), "")
        XCTAssertEqual(written, Schema.allPaths)

        let (decoded, ctx) = try decode(text)
        XCTAssertEqual(decoded, Self.base)
        let read = ctx.origins.keys.filter { !$0.contains("[") && Schema.keys(at: $0) == nil }
        XCTAssertEqual(Set(read), Set(Schema.allPaths))
    }

    /// Setting any one key to another value (as the writer spells it) changes that key and no
    /// other: the decoder and the writer agree on where every key's value lives.
    func testEveryKeyRoundTripsOnItsOwn() throws {
        for (from, to) in [(Self.base, Self.other), (Self.other, Self.base)] {
            let start = texts(from), target = texts(to)
            let yaml = from.resolvedYAML()
            for path in Schema.allPaths {
                guard start[path] != target[path] else {
                    XCTFail("\(path): give KeyTableTests.other a value that differs from base's")
                    continue
                }
                let (c, _) = try decode(yaml, overrides: ["\(path)=\(target[path]!)"])
                let got = texts(c)
                for other in Schema.allPaths {
                    let expected = other == path ? target[other] : start[other]
                    XCTAssertEqual(got[other], expected, "after --set \(path)=\(target[path]!): \(other)")
                }
                XCTAssertEqual(try decode(c.resolvedYAML()).0, c, path)
            }
        }
    }

    /// The converse of `ConfigFilesTests.testReadmeDocumentsEveryKey`: every key in the
    /// README's key tables is in Keys.swift.
    func testReadmeDocumentsNoOtherKeys() throws {
        let readme = try String(contentsOf: ConfigFilesTests.configs.appendingPathComponent("README.md"), encoding: .utf8)
        var known = Set(Schema.allPaths.map {
            $0.replacingOccurrences(of: "network_a.", with: "network_*.").replacingOccurrences(of: "network_b.", with: "network_*.")
        })
        known.formUnion(Schema.keys(at: "") ?? [])
        var inKeyTable = false
        var documented: [String] = []
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("| key |") { inKeyTable = true; continue }
            guard line.hasPrefix("|") else { inKeyTable = false; continue }
            guard inKeyTable, line.hasPrefix("| `") else { continue }
            let cell = line.dropFirst(3).prefix(while: { $0 != "`" })
            documented.append(String(cell))
        }
        XCTAssertGreaterThan(documented.count, 50, "no key tables found in configs/README.md")
        for key in documented {
            XCTAssertTrue(known.contains(key), "configs/README.md documents `\(key)`, which Keys.swift does not have")
        }
    }
}
