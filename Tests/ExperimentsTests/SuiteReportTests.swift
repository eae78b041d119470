import Config
import Datasets
@testable import Experiments
import Foundation
import XCTest

final class SuiteReportTests: XCTestCase {
    func result(_ key: String, seed: Int, method: String, teacher: String, _ maps: [String: Double]) -> RunResult {
        RunResult(id: "seed\(seed)/\(key)", key: key, seed: seed, method: method, teacher: teacher, wallSeconds: 1,
                  students: maps.mapValues { StudentResult(network: "a", map: $0, ap50: 0, ap75: 0, curve: [[100, $0 / 2], [200, $0]]) })
    }

    /// Two seeds of every row, numbers chosen so each claim's outcome is known by hand.
    func results() -> [RunResult] {
        var r: [RunResult] = []
        for (s, off) in [(0, 0.0), (1, 0.02)] {
            r.append(result("paa-tiny", seed: s, method: "PAA baseline", teacher: "—", ["tiny": 0.20 + off]))
            r.append(result("paa-small", seed: s, method: "PAA baseline", teacher: "—", ["small": 0.30 + off]))
            r.append(result("soft-small-tiny", seed: s, method: "Soft-label KD", teacher: "small", ["tiny": 0.22 + off]))
            r.append(result("lad-small-tiny", seed: s, method: "LAD", teacher: "small", ["tiny": 0.24 + off]))
            r.append(result("solad-small-tiny", seed: s, method: "SoLAD", teacher: "small", ["tiny": 0.23 + off]))   // below LAD
            r.append(result("soft-tiny-small", seed: s, method: "Soft-label KD", teacher: "tiny", ["small": 0.29 + off]))
            r.append(result("lad-tiny-small", seed: s, method: "LAD", teacher: "tiny", ["small": 0.32 + off]))
            r.append(result("colad-std-mean-iteration", seed: s, method: "CoLAD", teacher: "dynamic", ["tiny": 0.25 + off, "small": 0.31 + off]))
            r.append(result("colad-mean-iteration", seed: s, method: "CoLAD mean", teacher: "dynamic", ["tiny": 0.21 + off, "small": 0.28 + off]))
        }
        return r
    }

    func testRowsMeanStdAndDelta() {
        let report = SuiteReport(results: results(), seeds: 2, iterations: 200, wallSeconds: 60)
        XCTAssertEqual(report.rows.count, 11)
        let lad = report.rows.first { $0.key == "lad-small-tiny" }!
        XCTAssertEqual(lad.maps, [0.24, 0.26])
        XCTAssertEqual(lad.mean, 0.25, accuracy: 1e-12)
        XCTAssertEqual(lad.std, (2 * 0.01 * 0.01).squareRoot(), accuracy: 1e-12)   // sample std of {0.24, 0.26}
        XCTAssertEqual(lad.delta!, 0.25 - 0.21, accuracy: 1e-12)
        XCTAssertNil(report.rows.first { $0.key == "paa-tiny" }!.delta)
        let coSmall = report.rows.first { $0.key == "colad-std-mean-iteration" && $0.student == "small" }!
        XCTAssertEqual(coSmall.delta!, 0.32 - 0.31, accuracy: 1e-12)
    }

    func testClaims() {
        let claims = SuiteReport(results: results(), seeds: 2, iterations: 200, wallSeconds: 60).claims
        XCTAssertEqual(claims.count, 4)
        XCTAssertFalse(claims[0].holds, "SoLAD 0.24 < LAD 0.25: claim (i) fails")
        XCTAssertTrue(claims[1].holds, "LAD Δ +0.02, soft Δ −0.01")
        XCTAssertTrue(claims.first { $0.claim.contains("colad-std-mean-iteration") }!.holds)
        XCTAssertFalse(claims.first { $0.claim.contains("colad-mean-iteration") }!.holds)
        XCTAssertTrue(claims[0].evidence.contains("0.2500"), claims[0].evidence)
    }

    func testWritesTableJSONAndCurves() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("suite-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = SuiteReport(results: results(), seeds: 2, iterations: 200, wallSeconds: 60)
        try report.write(to: dir)
        let md = try String(contentsOf: dir.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| LAD | small | tiny | 0.2500 ± 0.0141 | +0.0400 | 0.2400, 0.2600 |"), md)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("results.json"))) as! [String: Any]
        XCTAssertEqual((json["rows"] as! [Any]).count, 11)
        let png = try ImageCodec.read(contentsOf: dir.appendingPathComponent("curves.png"))
        XCTAssertEqual(png.width, 2 * 420)
        // Some pixel carries the first series colour (a curve was drawn).
        let c = LineChart.colour(0)
        var found = false
        for y in 0..<png.height where !found { for x in 0..<png.width where png[x, y] == c { found = true; break } }
        XCTAssertTrue(found)
    }

    /// curves(): per row the mean over seeds, with mean ± sample std as a band when there are ≥ 2 seeds.
    func testCurvesMeanAndStdBand() throws {
        let chart = SuiteReport(results: results(), seeds: 2, iterations: 200, wallSeconds: 60).curves()
        let tiny = chart.panels[0], lad = tiny.series.first { $0.label == "LAD (small teacher)" }!
        XCTAssertEqual(lad.points.map(\.x), [100, 200])
        XCTAssertEqual(lad.points[1].y, 0.25, accuracy: 1e-12)
        let std = (2 * 0.01 * 0.01).squareRoot()   // sample std of {0.24, 0.26}
        XCTAssertEqual(lad.band?.count, 2)
        XCTAssertEqual(lad.band![1].low, 0.25 - std, accuracy: 1e-12); XCTAssertEqual(lad.band![1].high, 0.25 + std, accuracy: 1e-12)
        let one = SuiteReport(results: results().filter { $0.seed == 0 }, seeds: 1, iterations: 200, wallSeconds: 60).curves()
        XCTAssertTrue(one.panels.flatMap(\.series).allSatisfy { $0.band == nil }, "one seed: no band")
    }

    func testPlanOrderAndTeachers() throws {
        let out = URL(fileURLWithPath: "/tmp/suite")
        let plan = try PaperSuite.plan(seeds: 2, schedule: SuiteSchedule(), out: out)
        XCTAssertEqual(plan.count, 20)
        XCTAssertEqual(plan.prefix(2).map(\.key), ["paa-tiny", "paa-small"])
        let lad = plan.first { $0.key == "lad-small-tiny" && $0.seed == 1 }!
        XCTAssertEqual(lad.config.mode, .lad)
        XCTAssertEqual(lad.config.networkA.checkpoint, "/tmp/suite/runs/seed1/paa-small/checkpoints/iter_0000800/network-a.safetensors")
        XCTAssertEqual(lad.config.seed, 1)
        let colad = plan.first { $0.key == "colad-std-mean-object" }!
        XCTAssertEqual(colad.config.colad.granularity, .object)
        XCTAssertEqual(colad.config.train.lrSteps, [560, 720])
    }
}

final class SuiteRunnerTests: XCTestCase {
    /// A run's result comes from its metrics.jsonl (the last evaluation per network), so a run
    /// resumed after it had finished training still reports its numbers.
    func testFinalEvaluationFromMetrics() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("colad-suite-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let text = """
        {"iteration":0,"a":{"cls":1}}
        {"iteration":9,"eval":"a","bbox_mAP":0.1,"bbox_mAP_50":0.2,"bbox_mAP_75":0.05}
        {"iteration":19,"eval":"a","bbox_mAP":0.3,"bbox_mAP_50":0.5,"bbox_mAP_75":0.25}
        {"iteration":19,"eval":"b","bbox_mAP":0.4,"bbox_mAP_50":0.6,"bbox_mAP_75":0.35}
        """
        try text.write(to: url, atomically: true, encoding: .utf8)
        let (curves, final) = try SuiteRunner.evaluations(url)
        XCTAssertEqual(curves["a"], [[10, 0.1], [20, 0.3]])
        XCTAssertEqual(final["a"]?["bbox_mAP_50"], 0.5)
        XCTAssertEqual(final["b"]?["bbox_mAP"], 0.4)
        XCTAssertNil(final["c"])
    }
}
