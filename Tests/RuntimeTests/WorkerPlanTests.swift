// WorkerPlan (`colad plan`): the worker count a launch without counts starts, from the shipped
// configs; the arithmetic of the choice is RankSplitTests'.
import Config
import Runtime
import Training
import XCTest

final class WorkerPlanTests: XCTestCase {
    private static let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("configs")

    private func load(_ name: String, _ sets: [String] = []) throws -> TrainingConfig {
        try TrainingConfig.load(file: Self.configs.appendingPathComponent(name).path, overrides: sets)
    }

    /// Two trained tiny networks: equal cost without a measurement, one rank per core.
    func testOneArchitectureGetsOneRankPerCore() throws {
        let (two, lines) = try WorkerPlan.choose(load("colad-tiny.yaml"), cores: 2)
        XCTAssertEqual([two.a, two.b, two.globalBatch], [1, 1, 8])
        XCTAssertTrue(lines[0].contains("equal cost, no measurement"), lines[0])
        XCTAssertTrue(lines.last!.hasPrefix("plan: 2 worker ranks on 2 cores"), lines.last!)
        let (four, _) = try WorkerPlan.choose(load("colad-tiny.yaml"), cores: 4)
        XCTAssertEqual([four.a, four.b, four.globalBatch], [2, 2, 16])
    }

    /// tiny + small, measured here: small is the dearer, so it never gets fewer ranks, and the
    /// plan lists every W it scored.
    func testUnequalNetworksAreMeasured() throws {
        let (c, lines) = try WorkerPlan.choose(load("colad-tiny-small.yaml", ["data.image_size=64", "train.batch_size=2"]), cores: 2)
        XCTAssertTrue(lines[0].contains("measured here: a tiny"), lines[0])
        XCTAssertGreaterThanOrEqual(c.b, c.a)
        XCTAssertEqual(lines.filter { $0.hasPrefix("plan:   ") }.count, 3, "W = 2, 3, 4 on 2 cores")
        XCTAssertEqual(lines.filter { $0.hasSuffix("← chosen") }.count, 1)
    }

    /// Counts in the config, or balancing off: nothing to choose; one count alone, or one
    /// network, is refused with a hint.
    func testNamedCountsAndRefusals() throws {
        let (named, lines) = try WorkerPlan.choose(load("colad-tiny-small.yaml", ["distributed.ranks_a=1", "distributed.ranks_b=3"]), cores: 2)
        XCTAssertEqual([named.a, named.b, named.globalBatch], [1, 3, 24])
        XCTAssertTrue(lines[0].contains("nothing to choose"), lines[0])
        let (k2, _) = try WorkerPlan.choose(load("colad-tiny-small.yaml", ["distributed.ranks_per_network=2"]), cores: 2)
        XCTAssertEqual([k2.a, k2.b], [2, 2])
        let (off, _) = try WorkerPlan.choose(load("colad-tiny-small.yaml", ["distributed.balance=false"]), cores: 8)
        XCTAssertEqual([off.a, off.b], [1, 1])
        XCTAssertThrowsError(try WorkerPlan.choose(load("colad-tiny-small.yaml", ["distributed.ranks_a=1"]), cores: 2)) {
            XCTAssertTrue("\($0)".contains("distributed.ranks_a is set alone"), "\($0)")
        }
        XCTAssertThrowsError(try WorkerPlan.choose(load("paa-tiny.yaml"), cores: 2)) {
            XCTAssertTrue("\($0)".contains("trains one network"), "\($0)")
        }
    }
}
