import XCTest
@testable import Config

/// The smallest valid config for each mode (teacher checkpoint and network_b where needed).
func minimalYAML(_ mode: String = "baseline", iterations: Int = 2000) -> String {
    var s = """
    name: t
    mode: \(mode)
    network_a:
      preset: tiny

    """
    if ["lad", "soft", "solad"].contains(mode) { s += "  checkpoint: teacher.safetensors\n" }
    if mode != "baseline" { s += "network_b: {preset: small}\n" }
    s += "train: {iterations: \(iterations)}\n"
    return s
}

/// Parses `yaml` as the file `cfg.yaml` and returns the ConfigError it must throw; fails the
/// test when it loads or when the description lacks any of `contains`.
@discardableResult
func expectConfigError(_ yaml: String, overrides: [String] = [], contains: [String],
                       file: StaticString = #filePath, line: UInt = #line) -> ConfigError? {
    do {
        let c = try TrainingConfig.parse(yaml: yaml, file: "cfg.yaml", overrides: overrides)
        XCTFail("expected a ConfigError, loaded \(c.name)", file: file, line: line)
        return nil
    } catch let e as ConfigError {
        let text = e.description
        for s in contains where !text.contains(s) {
            XCTFail("error does not contain \"\(s)\":\n\(text)", file: file, line: line)
        }
        return e
    } catch {
        XCTFail("expected a ConfigError, got \(error)", file: file, line: line)
        return nil
    }
}

func load(_ yaml: String, overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> TrainingConfig? {
    do {
        return try TrainingConfig.parse(yaml: yaml, file: "cfg.yaml", overrides: overrides)
    } catch {
        XCTFail("unexpected error: \(error)", file: file, line: line)
        return nil
    }
}
