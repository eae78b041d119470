// network_*.init_from / init_prefixes: a PyTorch-layout weights file to start from, all of it
// or the tensors under some prefixes (the loading itself is tested in ModelsTests).
import XCTest
@testable import Config

final class InitFromTests: XCTestCase {
    func testReadAndDefaults() throws {
        let plain = try XCTUnwrap(load(minimalYAML()))
        XCTAssertNil(plain.networkA.initFrom)
        XCTAssertEqual(plain.networkA.initPrefixes, [])
        let yaml = minimalYAML().replacingOccurrences(of: "  preset: tiny\n",
                                                      with: "  preset: tiny\n  init_from: r18.safetensors\n  init_prefixes: [backbone., neck.lateral_convs]\n")
        let c = try XCTUnwrap(load(yaml))
        XCTAssertEqual(c.networkA.initFrom, "r18.safetensors")
        XCTAssertEqual(c.networkA.initPrefixes, ["backbone.", "neck.lateral_convs"])
        let o = try XCTUnwrap(load(minimalYAML(), overrides: ["network_a.init_from=x.safetensors", "network_a.init_prefixes=[head.]"]))
        XCTAssertEqual(o.networkA.initFrom, "x.safetensors")
        XCTAssertEqual(o.networkA.initPrefixes, ["head."])
        // The resolved config (config.yaml in the work dir) records both and reads back the same.
        XCTAssertEqual(try TrainingConfig.parse(yaml: o.resolvedYAML(), file: "config.yaml"), o)
    }

    func testErrors() {
        expectConfigError(minimalYAML(), overrides: ["network_a.init_prefixes=[backbone.]"], contains: [
            "network_a.init_prefixes: init_prefixes selects tensors of init_from, which is not set", "hint: add network_a.init_from",
        ])
        expectConfigError(minimalYAML(), overrides: ["network_a.init_from=a.safetensors", "network_a.checkpoint=b.safetensors"],
                          contains: ["network_a.init_from: network_a gives both checkpoint and init_from", "keep one"])
        expectConfigError(minimalYAML(), overrides: ["network_a.init_from=a.safetensors", "network_a.init_prefixes=[backbone., '']"],
                          contains: ["network_a.init_prefixes[1]: must name a part of the network"])
        expectConfigError(minimalYAML(), overrides: ["network_a.init_from=a.safetensors", "network_a.init_prefixes=backbone."],
                          contains: ["network_a.init_prefixes: expected a list of strings", "[backbone., neck.]"])
        expectConfigError(minimalYAML(), overrides: ["network_a.init_from=''"], contains: ["network_a.init_from: must be a file path, got an empty string"])
    }

    /// A frozen teacher may come from a whole network in PyTorch layout, not from a part of one.
    func testTeacherFromAPyTorchFile() {
        let lad = minimalYAML("lad").replacingOccurrences(of: "  checkpoint: teacher.safetensors\n", with: "  init_from: teacher.pt.safetensors\n")
        XCTAssertEqual(load(lad)?.networkA.initFrom, "teacher.pt.safetensors")
        expectConfigError(lad, overrides: ["network_a.init_prefixes=[backbone.]"],
                          contains: ["network_a.checkpoint: mode lad needs network_a.checkpoint", "network_a.init_from at a whole network"])
    }

    func testRequireFilesChecksInitFrom() throws {
        let yaml = minimalYAML().replacingOccurrences(of: "  preset: tiny\n", with: "  preset: tiny\n  init_from: /nonexistent/w.safetensors\n")
        XCTAssertThrowsError(try TrainingConfig.parse(yaml: yaml, file: "cfg.yaml", requireFiles: true)) { e in
            XCTAssertTrue("\(e)".contains("network_a.init_from: no such file: /nonexistent/w.safetensors"), "\(e)")
        }
    }
}
