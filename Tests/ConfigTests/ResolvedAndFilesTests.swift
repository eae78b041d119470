import Foundation
import XCTest
@testable import Config

final class ResolvedYAMLTests: XCTestCase {
    func testRoundTripForEveryMode() throws {
        for mode in Mode.allCases {
            let c = try XCTUnwrap(load(minimalYAML(mode.rawValue)))
            let text = c.resolvedYAML()
            let again = try TrainingConfig.parse(yaml: text, file: "resolved.yaml")
            XCTAssertEqual(again, c, mode.rawValue)
            XCTAssertEqual(again.resolvedYAML(), text, mode.rawValue)
        }
    }

    func testRoundTripOfUnusualValues() throws {
        var c = try XCTUnwrap(load(minimalYAML("colad")))
        c.name = "odd.name_1-x"
        c.workDir = "dir with \"quotes\"\\ and: colon # hash\ttab"
        c.networkB?.checkpoint = "yes"  // a YAML 1.1 boolean when plain: must stay a string
        c.networkA.preset = nil
        c.networkA.headConvs = 3
        c.data.dataset = .coco
        c.data.trainAnnotations = "null"
        c.data.trainImages = "~/images"
        c.data.valAnnotations = "1e-4"
        c.data.valImages = "ünïcödé/图像"
        c.distributed.statusBind = "tcp://*:0"
        c.train.lr = 1e-5
        c.train.weightDecay = 0.00012345678901234
        c.train.lrSteps = []
        c.train.clipGradNorm = 35
        c.train.evalEvery = nil
        c.train.checkpointEvery = nil
        c.train.keepCheckpoints = nil
        c.distributed.ranksPerNetwork = 2
        c.distributed.coordinator = "ipc:///tmp/x.sock"
        c.colad.rule = .fixedB
        c.colad.granularity = .object
        c.eval.scoreVoting = false
        XCTAssertNoThrow(try c.validate())
        let again = try TrainingConfig.parse(yaml: c.resolvedYAML())
        XCTAssertEqual(again, c)
    }

    func testStringsReadBackUnchanged() throws {
        var c = try XCTUnwrap(load(minimalYAML()))
        for s in ["null", "Null", "~", "~/x", "yes", "no", "on", "true", "12", "0x1F", "1.5", ".5", "1e-4", "-x", "- x",
                  "a:b", "a: b", "a #b", "#x", "2001-12-14", "x:", "[1]", "{a: 1}", "'q'", "*ref", "&a", "!tag", "%x",
                  "@x", "`x", "|", ">", " lead", "trail ", "tcp://127.0.0.1:0", "work-dirs/a_b.c"] {
            c.workDir = s
            XCTAssertEqual(try TrainingConfig.parse(yaml: c.resolvedYAML()).workDir, s, "work_dir: \(s.yamlText)")
        }
        XCTAssertEqual("tcp://127.0.0.1:0".yamlText, "tcp://127.0.0.1:0")
        XCTAssertEqual("null".yamlText, "\"null\"")
        XCTAssertEqual("yes".yamlText, "\"yes\"")
    }

    func testResolvedYAMLListsEverySchemaKeyOnce() throws {
        let c = try XCTUnwrap(load(minimalYAML("lad")))
        let root = try YAMLTree.parse(c.resolvedYAML(), file: nil)
        func leaves(_ n: YNode, _ path: String) -> [String] {
            guard case .mapping(let entries) = n.kind else { return [path] }
            return entries.flatMap { leaves($0.value, path.isEmpty ? $0.key : "\(path).\($0.key)") }
        }
        XCTAssertEqual(leaves(root, ""), Schema.allPaths)
    }

    func testResolvedYAMLShape() throws {
        let text = try XCTUnwrap(load(minimalYAML())).resolvedYAML()
        XCTAssertTrue(text.hasPrefix("# colad resolved configuration"))
        XCTAssertTrue(text.contains("\nmode: baseline\n"))
        XCTAssertTrue(text.contains("\nnetwork_b: null\n"))
        XCTAssertTrue(text.contains("\n  lr_steps: [1400, 1800]\n"))
        XCTAssertTrue(text.contains("\n  kd:\n    cls_weight: 10.0\n"))
        XCTAssertTrue(text.contains("\nwork_dir: work-dirs/t\n"))
    }
}

/// The shipped example configs and their documentation.
final class ConfigFilesTests: XCTestCase {
    /// Tests/ConfigTests/<this file> → the package root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let configs = root.appendingPathComponent("configs")

    func testEveryConfigFileLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.configs.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        let expected = ["colad-tiny-small.yaml", "colad-tiny.yaml", "lad-small-tiny.yaml", "lad-tiny-small.yaml",
                        "paa-small.yaml", "paa-tiny.yaml", "soft-small-tiny.yaml", "soft-tiny-small.yaml",
                        "solad-small-tiny.yaml"]
        XCTAssertTrue(Set(expected).isSubset(of: files), "configs/ has \(files)")
        for f in files {
            let path = Self.configs.appendingPathComponent(f).path
            do {
                let c = try TrainingConfig.load(file: path)
                XCTAssertEqual(c.name + ".yaml", f, "a config's name is its file name")
                XCTAssertEqual(try TrainingConfig.parse(yaml: c.resolvedYAML()), c, f)
            } catch {
                XCTFail("\(f): \(error)")
            }
        }
    }

    func testExampleConfigsMeanWhatTheirNamesSay() throws {
        func cfg(_ f: String) throws -> TrainingConfig {
            try TrainingConfig.load(file: Self.configs.appendingPathComponent(f).path)
        }
        XCTAssertEqual(try cfg("paa-tiny.yaml").networkA.preset, "tiny")
        XCTAssertEqual(try cfg("paa-small.yaml").networkA.preset, "small")
        for (f, mode, teacher, student) in [("lad-small-tiny.yaml", Mode.lad, "small", "tiny"),
                                            ("soft-small-tiny.yaml", .soft, "small", "tiny"),
                                            ("solad-small-tiny.yaml", .solad, "small", "tiny"),
                                            ("lad-tiny-small.yaml", .lad, "tiny", "small"),
                                            ("soft-tiny-small.yaml", .soft, "tiny", "small")] {
            let c = try cfg(f)
            XCTAssertEqual(c.mode, mode, f)
            XCTAssertEqual(c.networkA.preset, teacher, f)
            XCTAssertEqual(c.networkB?.preset, student, f)
            // The teacher is the final checkpoint of the matching baseline config.
            let baseline = try cfg("paa-\(teacher).yaml")
            let dir = String(format: "iter_%07d", baseline.train.iterations)
            XCTAssertEqual(c.networkA.checkpoint, "\(baseline.workDir)/checkpoints/\(dir)/network-a.safetensors", f)
            XCTAssertEqual(c.train, try cfg("paa-\(student).yaml").train, "\(f): the student's baseline schedule")
        }
        let colad = try cfg("colad-tiny-small.yaml")
        XCTAssertEqual([colad.networkA.preset, colad.networkB?.preset], ["tiny", "small"])
        XCTAssertEqual(try cfg("colad-tiny.yaml").networkB?.preset, "tiny")
    }

    /// Every shipped config resolves to exactly the values recorded in
    /// Tests/Fixtures/configs/<name>.resolved.yaml (written by make_config_fixtures.sh from the
    /// configs as they were before they used `_base_`): reorganising the files changes nothing.
    func testShippedConfigsResolveAsTheirFixtures() throws {
        let fixtures = Self.root.appendingPathComponent("Tests/Fixtures/configs")
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.configs.path).filter { $0.hasSuffix(".yaml") }.sorted()
        let recorded = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".resolved.yaml") }
        XCTAssertEqual(Set(recorded), Set(files.map { $0.replacingOccurrences(of: ".yaml", with: ".resolved.yaml") }),
                       "one fixture per shipped config (run Tests/Fixtures/scripts/make_config_fixtures.sh for a new one)")
        /// The YAML without comment lines (the fixture's header and the writer's).
        func body(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.hasPrefix("#") } }
        for f in files {
            let fixture = fixtures.appendingPathComponent(f.replacingOccurrences(of: ".yaml", with: ".resolved.yaml"))
            guard let expected = try? String(contentsOf: fixture, encoding: .utf8) else { continue }
            let resolved = try TrainingConfig.load(file: Self.configs.appendingPathComponent(f).path).resolvedYAML()
            let got = body(resolved), want = body(expected)
            XCTAssertGreaterThan(want.count, 50, "\(fixture.lastPathComponent) looks truncated")
            for (i, (g, w)) in zip(got, want).enumerated() where g != w {
                XCTFail("\(f): line \(i + 1) of the resolved config is '\(g)', the fixture has '\(w)'")
                break
            }
            XCTAssertEqual(got.count, want.count, "\(f): resolved line count")
        }
    }

    func testReadmeDocumentsEveryKey() throws {
        let readme = try String(contentsOf: Self.configs.appendingPathComponent("README.md"), encoding: .utf8)
        for path in Schema.allPaths {
            let key = path.replacingOccurrences(of: "network_a.", with: "network_*.")
                .replacingOccurrences(of: "network_b.", with: "network_*.")
            XCTAssertTrue(readme.contains("`\(key)`"), "configs/README.md does not document `\(key)`")
        }
        for mode in Mode.allCases { XCTAssertTrue(readme.contains("`\(mode.rawValue)`"), mode.rawValue) }
        for rule in CoLADRule.allCases { XCTAssertTrue(readme.contains("`\(rule.rawValue)`"), rule.rawValue) }
        XCTAssertTrue(readme.contains("--set"))
    }
}
