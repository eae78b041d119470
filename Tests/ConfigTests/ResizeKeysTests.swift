// data.resize / max_size / short_side / short_side_range: the reference's keep-ratio pipeline as
// config (the pipeline itself is tested in DatasetsTests/KeepRatioTests).
import XCTest
@testable import Config

final class ResizeKeysTests: XCTestCase {
    func testDefaultsKeepThePresetsSquare() throws {
        let c = try XCTUnwrap(load(minimalYAML()))
        XCTAssertEqual(c.data.resize, .square)
        XCTAssertEqual(c.data.maxSize, 1333)
        XCTAssertEqual(c.data.shortSide, 800)
        XCTAssertEqual(c.data.shortSideRange, [])
    }

    func testKeepRatioRoundTrips() throws {
        let c = try XCTUnwrap(load(minimalYAML(), overrides: ["data.resize=keep_ratio", "data.max_size=1000",
                                                              "data.short_side=600", "data.short_side_range=[480, 600]"]))
        XCTAssertEqual(c.data.resize, .keepRatio)
        XCTAssertEqual(c.data.maxSize, 1000)
        XCTAssertEqual(c.data.shortSide, 600)
        XCTAssertEqual(c.data.shortSideRange, [480, 600])
        XCTAssertTrue(c.resolvedYAML().contains("resize: keep_ratio"))
        XCTAssertEqual(try TrainingConfig.parse(yaml: c.resolvedYAML(), file: "config.yaml"), c)
    }

    func testErrors() {
        expectConfigError(minimalYAML(), overrides: ["data.resize=letterbox"], contains: ["data.resize", "letterbox", "keep_ratio"])
        expectConfigError(minimalYAML(), overrides: ["data.short_side_range=[640, 800]"],
                          contains: ["data.short_side_range", "needs data.resize: keep_ratio"])
        expectConfigError(minimalYAML(), overrides: ["data.resize=keep_ratio", "data.short_side=16"],
                          contains: ["data.short_side: must be in 32...8192, got 16"])
        expectConfigError(minimalYAML(), overrides: ["data.resize=keep_ratio", "data.max_size=600"],
                          contains: ["data.max_size: must be in short_side (800)...8192, got 600"])
        expectConfigError(minimalYAML(), overrides: ["data.resize=keep_ratio", "data.short_side_range=[800, 640]"],
                          contains: ["data.short_side_range", "32 ≤ lo ≤ hi ≤ max_size (1333)", "[640, 800]"])
        expectConfigError(minimalYAML(), overrides: ["data.resize=keep_ratio", "data.short_side_range=[640]"],
                          contains: ["data.short_side_range", "[lo, hi]"])
    }
}
