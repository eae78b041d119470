import Foundation
import XCTest
@testable import Config

/// `_base_:` inheritance: merge order and rules, relative paths, chains, cycles, missing files,
/// and errors that still name the file a value came from.
final class InheritanceTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("colad-bases-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Writes `text` to DIR/`name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = "\(dir)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func loadError(_ path: String, overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try TrainingConfig.load(file: path, overrides: overrides)
            XCTFail("expected an error", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testOneBaseMergesKeyByKeyAndTheFileWins() throws {
        try write("base.yaml", """
            mode: lad
            network_a: {preset: small, checkpoint: teacher.safetensors}
            network_b: {preset: tiny}
            train: {iterations: 100, batch_size: 4, lr: 0.03, lr_steps: [10, 20]}
            eval: {nms_iou: 0.5}
            """)
        let c = try TrainingConfig.load(file: try write("run.yaml", """
            _base_: base.yaml
            name: run
            network_a: {preset: tiny}
            train: {lr: 0.05, lr_steps: [15]}
            """))
        XCTAssertEqual(c.name, "run")
        XCTAssertEqual(c.mode, .lad, "from the base")
        XCTAssertEqual(c.networkA.preset, "tiny", "the file's key wins")
        XCTAssertEqual(c.networkA.checkpoint, "teacher.safetensors", "mappings merge key by key")
        XCTAssertEqual(c.train.lr, 0.05)
        XCTAssertEqual(c.train.batchSize, 4)
        XCTAssertEqual(c.train.iterations, 100)
        XCTAssertEqual(c.train.lrSteps, [15], "lists replace, they do not merge")
        XCTAssertEqual(c.eval.nmsIoU, 0.5)
    }

    func testListOfBasesMergesInOrderThenTheFile() throws {
        try write("one.yaml", "mode: baseline\nnetwork_a: {preset: tiny}\ntrain: {iterations: 10, lr: 0.1, batch_size: 2}\nseed: 1\n")
        try write("two.yaml", "train: {lr: 0.2, momentum: 0.8}\nseed: 2\n")
        let c = try TrainingConfig.load(file: try write("run.yaml", "_base_: [one.yaml, two.yaml]\nname: run\nseed: 3\n"))
        XCTAssertEqual(c.train.lr, 0.2, "the later base wins")
        XCTAssertEqual(c.train.momentum, 0.8)
        XCTAssertEqual(c.train.batchSize, 2, "keys of the earlier base stay")
        XCTAssertEqual(c.seed, 3, "the file wins over every base")
        let flipped = try TrainingConfig.load(file: try write("flipped.yaml", "_base_: [two.yaml, one.yaml]\nname: run\n"))
        XCTAssertEqual(flipped.train.lr, 0.1)
        XCTAssertEqual(flipped.seed, 1)
    }

    /// Paths are relative to the file that names them; a chain resolves recursively, and two
    /// bases sharing a base (a diamond) are not a cycle.
    func testChainsResolveRelativeToTheIncludingFile() throws {
        try write("sub/schedule.yaml", "train: {iterations: 40, lr: 0.04}\n")
        try write("sub/networks.yaml", "_base_: schedule.yaml\nnetwork_a: {preset: small}\ntrain: {lr: 0.02}\n")
        try write("sub/mode.yaml", "_base_: schedule.yaml\nmode: baseline\n")
        let c = try TrainingConfig.load(file: try write("run.yaml", "_base_: [sub/networks.yaml, sub/mode.yaml]\nname: run\n"))
        XCTAssertEqual(c.networkA.preset, "small")
        XCTAssertEqual(c.mode, .baseline)
        XCTAssertEqual(c.train.iterations, 40)
        // mode.yaml's base comes after networks.yaml and brings schedule.yaml's lr back on top.
        XCTAssertEqual(c.train.lr, 0.04)
        let absolute = try TrainingConfig.load(file: try write("abs.yaml", "_base_: \(dir)/sub/networks.yaml\nname: abs\nmode: baseline\n"))
        XCTAssertEqual(absolute.train.lr, 0.02)
    }

    func testANullInTheFileReplacesABaseMapping() throws {
        try write("base.yaml", "mode: colad\nnetwork_a: {preset: tiny}\nnetwork_b: {preset: small}\ntrain: {iterations: 10}\n")
        let c = try TrainingConfig.load(file: try write("run.yaml", "_base_: base.yaml\nname: run\nmode: baseline\nnetwork_b: null\n"))
        XCTAssertNil(c.networkB)
    }

    func testOverridesApplyOnTopOfTheBases() throws {
        try write("base.yaml", "mode: baseline\nnetwork_a: {preset: tiny}\ntrain: {iterations: 10, lr: 0.1}\n")
        let c = try TrainingConfig.load(file: try write("run.yaml", "_base_: base.yaml\nname: run\n"), overrides: ["train.lr=0.3"])
        XCTAssertEqual(c.train.lr, 0.3)
        XCTAssertFalse(c.resolvedYAML().contains("_base_"), "the resolved config is self-contained")
    }

    func testCycleIsAnErrorNamingTheChain() throws {
        try write("a.yaml", "_base_: sub/b.yaml\nname: a\n")
        try write("sub/b.yaml", "_base_: ../a.yaml\n")
        let e = loadError("\(dir)/a.yaml")
        XCTAssertTrue(e.hasPrefix("\(dir)/sub/b.yaml:1:9: _base_: base configs form a cycle: "), e)
        XCTAssertTrue(e.contains("\(dir)/a.yaml → \(dir)/sub/b.yaml → \(dir)/a.yaml"), e)
        XCTAssertEqual(Inheritance.join("../x.yaml", relativeTo: "configs/_base_/a.yaml"), "configs/x.yaml")
        XCTAssertEqual(Inheritance.join("./x.yaml", relativeTo: "a.yaml"), "x.yaml")
        XCTAssertEqual(Inheritance.join("../x.yaml", relativeTo: "a.yaml"), "../x.yaml")
        XCTAssertEqual(Inheritance.join("/abs/x.yaml", relativeTo: "configs/a.yaml"), "/abs/x.yaml")
        XCTAssertEqual(Inheritance.join("x.yaml", relativeTo: "/etc/a.yaml"), "/etc/x.yaml")
        try write("self.yaml", "_base_: self.yaml\n")
        XCTAssertTrue(loadError("\(dir)/self.yaml").contains("cycle: \(dir)/self.yaml → \(dir)/self.yaml"))
    }

    func testMissingBaseIsAnErrorNamingTheChain() throws {
        try write("a.yaml", "name: a\n_base_: [sub/b.yaml]\n")
        try write("sub/b.yaml", "mode: baseline\n_base_: gone.yaml\n")
        let e = loadError("\(dir)/a.yaml")
        XCTAssertTrue(e.hasPrefix("\(dir)/sub/b.yaml:2:9: _base_: cannot read base config 'gone.yaml' (no such file): "), e)
        XCTAssertTrue(e.contains("\(dir)/a.yaml → \(dir)/sub/b.yaml → \(dir)/sub/gone.yaml"), e)
        XCTAssertTrue(e.contains("hint: base paths are relative to the directory of the file that names them"), e)
    }

    /// A mistake in a value that came from a base names the base file and line, both for a
    /// type error (decoding) and for a range error (validation).
    func testErrorsInABaseNameTheBaseFile() throws {
        try write("sub/bad-type.yaml", "mode: baseline\nnetwork_a: {preset: tiny}\ntrain:\n  iterations: 10\n  batch_size: eight\n")
        let typeError = loadError(try write("run.yaml", "_base_: sub/bad-type.yaml\nname: run\n"))
        XCTAssertTrue(typeError.hasPrefix("\(dir)/sub/bad-type.yaml:5:15: train.batch_size: expected an integer, got 'eight'"), typeError)

        try write("sub/bad-range.yaml", "mode: baseline\nnetwork_a: {preset: tiny}\ntrain:\n  iterations: 10\n  lr: -1\n")
        let rangeError = loadError(try write("run2.yaml", "_base_: sub/bad-range.yaml\nname: run\n"))
        XCTAssertTrue(rangeError.hasPrefix("\(dir)/sub/bad-range.yaml:5:7: train.lr"), rangeError)

        try write("sub/bad-yaml.yaml", "train: [1,\n")
        let syntax = loadError(try write("run3.yaml", "_base_: sub/bad-yaml.yaml\nname: run\n"))
        XCTAssertTrue(syntax.hasPrefix("\(dir)/sub/bad-yaml.yaml:"), syntax)

        try write("sub/list.yaml", "- a\n- b\n")
        let notMapping = loadError(try write("run4.yaml", "_base_: sub/list.yaml\nname: run\n"))
        XCTAssertTrue(notMapping.hasPrefix("\(dir)/sub/list.yaml:1:1: a base config must be a mapping of keys"), notMapping)
    }

    func testMalformedBaseKeys() throws {
        let mapping = loadError(try write("m.yaml", "_base_: {file: x.yaml}\nname: m\n"))
        XCTAssertTrue(mapping.hasPrefix("\(dir)/m.yaml:1:9: _base_: expected a config file name or a list of them, got a mapping"), mapping)
        let twice = loadError(try write("t.yaml", "_base_: x.yaml\nname: t\n_base_: y.yaml\n"))
        XCTAssertTrue(twice.hasPrefix("\(dir)/t.yaml:3:1: _base_: duplicate key"), twice)
        let nested = loadError(try write("n.yaml", "name: n\nmode: baseline\nnetwork_a: {preset: tiny}\ntrain: {iterations: 5, _base_: x.yaml}\n"))
        XCTAssertTrue(nested.contains("train._base_: unknown key '_base_'") && nested.contains("top level of a config file only"), nested)
        let viaSet = loadError(try write("s.yaml", "name: s\nmode: baseline\nnetwork_a: {preset: tiny}\ntrain: {iterations: 5}\n"),
                               overrides: ["_base_=x.yaml"])
        XCTAssertTrue(viaSet.contains("--set _base_=x.yaml: _base_: unknown key"), viaSet)
        let none = try TrainingConfig.load(file: try write("e.yaml", "_base_: []\nname: e\nmode: baseline\nnetwork_a: {preset: tiny}\ntrain: {iterations: 5}\n"))
        XCTAssertEqual(none.name, "e")
    }
}
