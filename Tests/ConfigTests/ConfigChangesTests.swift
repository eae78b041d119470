import XCTest
@testable import Config

/// `changes(since:)`: the keys whose values differ from an earlier resolved config.
final class ConfigChangesTests: XCTestCase {
    func testNamesEveryChangedKeyWithBothValues() throws {
        let before = try XCTUnwrap(load(minimalYAML("colad")))
        var now = before
        now.train.lr = 0.02
        now.train.lrSteps = [5]
        now.networkB?.checkpoint = "b.safetensors"
        now.monitor.trace = true
        let changes = now.changes(since: before.resolvedYAML(), omitting: ["monitor"])
        XCTAssertEqual(changes, [
            ConfigChange(path: "network_b.checkpoint", old: "null", new: "b.safetensors"),
            ConfigChange(path: "train.lr", old: "0.01", new: "0.02"),
            ConfigChange(path: "train.lr_steps", old: "[1400, 1800]", new: "[5]"),
        ])
        XCTAssertEqual(now.changes(since: before.resolvedYAML()).last, ConfigChange(path: "monitor.trace", old: "false", new: "true"))
        XCTAssertEqual(before.changes(since: before.resolvedYAML()), [])
    }

    /// A network present on one side only: its keys appear or disappear, null on the other side.
    func testKeysOnOneSideOnly() throws {
        let two = try XCTUnwrap(load(minimalYAML("colad")))
        var one = two
        one.mode = .baseline
        one.networkB = nil
        let changes = one.changes(since: two.resolvedYAML())
        XCTAssertEqual(changes.first, ConfigChange(path: "mode", old: "colad", new: "baseline"))
        XCTAssertTrue(changes.contains(ConfigChange(path: "network_b", old: nil, new: "null")), "\(changes)")
        XCTAssertTrue(changes.contains(ConfigChange(path: "network_b.preset", old: "small", new: nil)), "\(changes)")
        // A key that an older version did not write (or no longer writes) shows as absent.
        let older = two.resolvedYAML().replacingOccurrences(of: "  flip: true\n", with: "") + "retired_key: 3\n"
        let missing = two.changes(since: older)
        XCTAssertEqual(missing, [ConfigChange(path: "data.flip", old: nil, new: "true"),
                                 ConfigChange(path: "retired_key", old: "3", new: nil)])
    }
}
