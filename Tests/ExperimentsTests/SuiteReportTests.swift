import Config
@testable import Datasets
@testable import Experiments
import Foundation
import XCTest

final class SuiteReportTests: XCTestCase {
    func result(_ key: String, seed: Int, method: String, teacher: String, kind: SuiteRun.Kind = .comparison, iterations: Int = 200,
                _ maps: [String: Double], share: Double? = nil) -> RunResult {
        RunResult(id: "seed\(seed)/\(key)", key: key, kind: kind, seed: seed, method: method, teacher: teacher, iterations: iterations, wallSeconds: 1,
                  students: maps.mapValues { StudentResult(network: "a", map: $0, ap50: 2 * $0, ap75: $0 / 2, apSmall: $0 / 4, apMedium: $0,
                                                           apLarge: nil, curve: [[100, $0 / 2], [200, $0]], labelShare: share) })
    }

    /// Three seeds of every row; per-seed offsets (0, 0.02, 0.04) cancel in the paired
    /// differences, so each part's difference is exact and its interval known by hand
    /// (a constant difference has sd 0, an interval of width 0); `wobble` breaks that where a
    /// part must come out inconclusive.
    func results(smallTeacher: Double = 0.40, tinyTeacher: Double = 0.10) -> [RunResult] {
        var r: [RunResult] = [
            result("teacher-tiny", seed: 0, method: "PAA teacher", teacher: "—", kind: .teacher, iterations: 4000, ["tiny": tinyTeacher]),
            result("teacher-small", seed: 0, method: "PAA teacher", teacher: "—", kind: .teacher, iterations: 4000, ["small": smallTeacher]),
        ]
        for (s, off) in [(0, 0.0), (1, 0.02), (2, 0.04)] {
            let wobble = [0.0, 0.01, -0.01][s]
            r.append(result("paa-tiny", seed: s, method: "PAA baseline", teacher: "—", ["tiny": 0.20 + off]))
            r.append(result("paa-small", seed: s, method: "PAA baseline", teacher: "—", ["small": 0.30 + off]))
            r.append(result("soft-small-tiny", seed: s, method: "Soft-label KD", teacher: "small", ["tiny": 0.22 + off]))
            r.append(result("lad-small-tiny", seed: s, method: "LAD", teacher: "small", ["tiny": 0.24 + off]))
            r.append(result("solad-small-tiny", seed: s, method: "SoLAD", teacher: "small", ["tiny": 0.23 + off]))   // below LAD
            r.append(result("soft-tiny-small", seed: s, method: "Soft-label KD", teacher: "tiny", ["small": 0.29 + off]))
            r.append(result("lad-tiny-small", seed: s, method: "LAD", teacher: "tiny", ["small": 0.32 + off]))
            r.append(result("colad-std-mean-iteration", seed: s, method: "CoLAD", teacher: "dynamic", ["tiny": 0.25 + off, "small": 0.31 + off], share: 0.4))
            r.append(result("colad-std-mean-object", seed: s, method: "CoLAD object", teacher: "dynamic",
                            ["tiny": 0.25 + off + wobble, "small": 0.31 + off], share: 0.5))
        }
        return r
    }

    func testRowsMetricsAndPairedDelta() {
        let report = SuiteReport(results: results(), seeds: 3, iterations: 200, wallSeconds: 60)
        XCTAssertEqual(report.rows.count, 11)
        XCTAssertEqual(report.teachers.map(\.preset), ["tiny", "small"])
        XCTAssertEqual(report.teachers[1].map, 0.40)
        let lad = report.rows.first { $0.key == "lad-small-tiny" }!
        XCTAssertEqual(lad.seeds, [0, 1, 2])
        XCTAssertEqual(lad.map.values.map { ($0 * 1e6).rounded() / 1e6 }, [0.24, 0.26, 0.28])
        XCTAssertEqual(lad.map.mean, 0.26, accuracy: 1e-12)
        XCTAssertEqual(lad.map.std, 0.02, accuracy: 1e-12)   // sample std of {0.24, 0.26, 0.28}
        XCTAssertEqual(lad.metrics["bbox_mAP_50"]!.mean, 0.52, accuracy: 1e-12)
        XCTAssertEqual(lad.metrics["bbox_mAP_s"]!.mean, 0.065, accuracy: 1e-12)
        XCTAssertEqual(lad.metrics["bbox_mAP_l"]!.values, [], "pycocotools' −1 (nil) is not averaged")
        // Paired: the seed offsets cancel, the difference is +0.04 on every seed.
        XCTAssertEqual(lad.delta!.perSeed.map { ($0 * 1e6).rounded() / 1e6 }, [0.04, 0.04, 0.04])
        XCTAssertEqual(lad.delta!.low!, 0.04, accuracy: 1e-9)
        XCTAssertNil(report.rows.first { $0.key == "paa-tiny" }!.delta)
        let coSmall = report.rows.first { $0.key == "colad-std-mean-iteration" && $0.student == "small" }!
        XCTAssertEqual(coSmall.delta!.mean, 0.01, accuracy: 1e-12)
        XCTAssertEqual(coSmall.labelShare!, 0.4, accuracy: 1e-12)
    }

    func testClaimsAndPremises() {
        let claims = SuiteReport(results: results(), seeds: 3, iterations: 200, wallSeconds: 60).claims
        XCTAssertEqual(claims.count, 4)
        // (i): LAD − soft +0.02 on every seed holds, SoLAD − LAD −0.01 on every seed is contradicted.
        XCTAssertTrue(claims[0].premiseHolds, claims[0].premise ?? "")
        XCTAssertEqual(claims[0].parts.map(\.verdict), [.holds, .contradicted, .holds])
        XCTAssertEqual(claims[0].verdict, .contradicted)
        // (ii): the tiny teacher (0.10) is weaker than every small baseline; LAD +0.02, soft −0.01.
        XCTAssertTrue(claims[1].premiseHolds)
        XCTAssertEqual(claims[1].verdict, .holds)
        // (iii): iteration granularity +0.05/+0.01 on both networks; object's tiny gain wobbles
        // (0.05, 0.06, 0.04): mean 0.05, sd 0.01, half width 0.0248 → still holds.
        XCTAssertEqual(claims.first { $0.claim.contains("colad-std-mean-iteration") }!.verdict, .holds)
        let object = claims.first { $0.claim.contains("colad-std-mean-object") }!
        XCTAssertEqual(object.parts[0].difference.high!, 0.05 + 0.0248414, accuracy: 1e-6)
        XCTAssertNil(object.premise)

        // A "stronger" teacher weaker than one seed's baseline: the premise fails, the claim is untestable.
        let weak = SuiteReport(results: results(smallTeacher: 0.21, tinyTeacher: 0.31), seeds: 3, iterations: 200, wallSeconds: 60).claims
        XCTAssertFalse(weak[0].premiseHolds)
        XCTAssertEqual(weak[0].verdict, .untestable)
        XCTAssertTrue(weak[0].premise!.contains("0.2100"), weak[0].premise!)
        XCTAssertEqual(weak[1].verdict, .untestable, "the tiny teacher 0.31 beats the small baseline's first seed 0.30")

        // One seed: no interval, every testable claim inconclusive.
        let one = SuiteReport(results: results().filter { $0.seed == 0 }, seeds: 1, iterations: 200, wallSeconds: 60).claims
        XCTAssertTrue(one.allSatisfy { $0.verdict == .inconclusive }, "\(one.map(\.verdict))")
    }

    /// An interim report (`--report-only` while the suite runs): the third seed's LAD run is
    /// missing, so LAD's row and its paired Δ use seeds 0 and 1 only, and the page says so.
    func testInterimReportPairsTheSeedsThatFinished() {
        let partial = results().filter { !($0.seed == 2 && $0.key == "lad-small-tiny") }
        let report = SuiteReport(results: partial, seeds: 3, iterations: 200, wallSeconds: 60, missing: ["seed2/lad-small-tiny"])
        let lad = report.rows.first { $0.key == "lad-small-tiny" }!
        XCTAssertEqual(lad.seeds, [0, 1])
        XCTAssertEqual(lad.delta!.seeds, [0, 1])
        let ladSoft = report.claims[0].parts[0]
        XCTAssertEqual(ladSoft.difference.seeds, [0, 1], "LAD − soft pairs only the seeds both finished")
        let md = report.markdown()
        XCTAssertTrue(md.contains("**Interim report: \(partial.count) of \(partial.count + 1) runs have finished.**"), md)
        XCTAssertTrue(md.contains("not yet run: seed2/lad-small-tiny."), md)
        XCTAssertFalse(md.contains("wall time of the invocation"), "an interim report has no suite wall time")
        let complete = SuiteReport(results: results(), seeds: 3, iterations: 200, wallSeconds: 60).markdown()
        XCTAssertFalse(complete.contains("Interim"))
        XCTAssertTrue(complete.contains("wall time of the invocation that finished the suite 1.0 min"), complete)
        // One seed finished: its values without a spread, not "± 0.0000".
        let seed0 = results().filter { $0.seed == 0 }
        let first = SuiteReport(results: seed0, seeds: 3, iterations: 200, wallSeconds: 60, missing: ["seed1/…"]).markdown()
        let value = String(format: "%.4f", seed0.first { $0.key == "lad-small-tiny" }!.students["tiny"]!.map)
        XCTAssertTrue(first.contains("| LAD | small | tiny | \(value) |"), first)
        XCTAssertFalse(first.contains("± 0.0000"), first)
    }

    /// Every character of the chart's titles, labels and legends has a glyph (an unknown one
    /// is drawn as "?", as "mean ± std" once was).
    func testChartTextHasGlyphs() {
        let chart = SuiteReport(results: results(), seeds: 3, iterations: 200, wallSeconds: 60).curves()
        let text = [chart.xLabel, chart.yLabel] + chart.panels.flatMap { [$0.title, $0.yLabel ?? ""] + $0.series.map(\.label) }
        let missing = Set(text.joined().filter { BitmapFont.glyphs[$0] == nil })
        XCTAssertTrue(missing.isEmpty, "no glyph for \(missing.sorted())")
        XCTAssertTrue(chart.panels.contains { $0.title.contains("±") })
    }

    func testAblationIsPaired() {
        let a = SuiteReport(results: results(), seeds: 3, iterations: 200, wallSeconds: 60).ablations
        let tiny = a.first { $0.name.hasPrefix("tiny: granularity") }!
        XCTAssertEqual(tiny.difference.perSeed.map { ($0 * 1e6).rounded() / 1e6 }, [0, 0.01, -0.01])
        XCTAssertEqual(tiny.difference.verdict(positive: true), .inconclusive)
        XCTAssertEqual(a.count, 2, "no mean-rule runs here")
    }

    func testWritesTableJSONCurvesAndCSV() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("suite-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = SuiteReport(results: results(), seeds: 3, iterations: 200, wallSeconds: 60)
        try report.write(to: dir)
        let md = try String(contentsOf: dir.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| LAD | small | tiny | 0.2600 ± 0.0200 | 0.5200 ± 0.0400 | 0.1300 ± 0.0100 | 0.0650 ± 0.0050 | 0.2600 ± 0.0200 | — | +0.0400 [+0.0400, +0.0400] | — |"), md)
        XCTAssertTrue(md.contains("**contradicted** — (i)"), md)
        XCTAssertTrue(md.contains("| small | 4000 | 0.4000 |"), md)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("results.json"))) as! [String: Any]
        XCTAssertEqual((json["rows"] as! [Any]).count, 11)
        XCTAssertEqual((json["claims"] as! [[String: Any]])[0]["verdict"] as? String, "contradicted")
        let csv = try String(contentsOf: dir.appendingPathComponent("curves.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 2 * (2 + 3 * 11), "a line per evaluation of every run, teachers included")
        XCTAssertTrue(csv.contains("seed1/lad-small-tiny,comparison,1,lad-small-tiny,\"LAD\",tiny,200,0.260000"), "\(csv.prefix(5))")
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
        let chart = SuiteReport(results: results(), seeds: 3, iterations: 200, wallSeconds: 60).curves()
        let tiny = chart.panels[0], lad = tiny.series.first { $0.label == "LAD (small teacher)" }!
        XCTAssertEqual(lad.points.map(\.x), [100, 200])
        XCTAssertEqual(lad.points[1].y, 0.26, accuracy: 1e-12)
        XCTAssertEqual(lad.band?.count, 2)
        XCTAssertEqual(lad.band![1].low, 0.24, accuracy: 1e-12); XCTAssertEqual(lad.band![1].high, 0.28, accuracy: 1e-12)
        XCTAssertFalse(tiny.series.contains { $0.label.contains("teacher") && !$0.label.contains("(") }, "teachers are not table rows")
        let one = SuiteReport(results: results().filter { $0.seed == 0 }, seeds: 1, iterations: 200, wallSeconds: 60).curves()
        XCTAssertTrue(one.panels.flatMap(\.series).allSatisfy { $0.band == nil }, "one seed: no band")
    }

    func teacherConfig(_ preset: String) -> TrainingConfig {
        TrainingConfig(name: "paa-\(preset)", mode: .baseline, networkA: NetworkConfig.preset(preset)!, networkB: nil, iterations: 4000, seed: 0)
    }

    func testPlanTeachersFirstThenSeedsFromThem() throws {
        let out = URL(fileURLWithPath: "/tmp/suite")
        let plan = try PaperSuite.plan(seeds: 2, schedule: SuiteSchedule(iterations: 1000), out: out,
                                       teachers: ["tiny": teacherConfig("tiny"), "small": teacherConfig("small")])
        XCTAssertEqual(plan.count, 2 + 20)
        XCTAssertEqual(plan.prefix(4).map(\.id), ["teachers/paa-tiny", "teachers/paa-small", "seed0/paa-tiny", "seed0/paa-small"])
        XCTAssertEqual(plan[1].config.train.iterations, 4000)
        XCTAssertEqual(plan[1].workDir.path, "/tmp/suite/runs/teachers/paa-small")
        let lad = plan.first { $0.key == "lad-small-tiny" && $0.seed == 1 }!
        XCTAssertEqual(lad.config.mode, .lad)
        XCTAssertEqual(lad.config.networkA.checkpoint, "/tmp/suite/runs/teachers/paa-small", "every seed's student learns from the one teacher")
        XCTAssertEqual(lad.config.seed, 1)
        let colad = plan.first { $0.key == "colad-std-mean-object" }!
        XCTAssertEqual(colad.config.colad.granularity, .object)
        // The reference schedule scaled to 1000 iterations.
        XCTAssertEqual(colad.config.train.lrSteps, [700, 900])
        XCTAssertEqual(colad.config.train.warmupIters, 75)
        XCTAssertEqual(colad.config.train.evalEvery, 250)
        XCTAssertThrowsError(try PaperSuite.plan(seeds: 1, schedule: SuiteSchedule(), out: out, teachers: ["tiny": teacherConfig("tiny")]))
    }

    /// The reference schedule, scaled to 4000 iterations, is configs/_base_/schedule.yaml.
    func testScheduleScalesTheReference() {
        let s = SuiteSchedule(iterations: SuiteSchedule.referenceIterations)
        XCTAssertEqual(s.warmupIters, 300); XCTAssertEqual(s.lrSteps, [2800, 3600]); XCTAssertEqual(s.evalEvery, 1000)
        XCTAssertEqual(SuiteSchedule(iterations: 2).warmupIters, 0)
    }
}

final class ScheduleStudyTests: XCTestCase {
    func run(_ preset: String, _ n: Int, _ map: Double, kind: SuiteRun.Kind) -> RunResult {
        RunResult(id: "\(preset)-\(n)", key: "paa-\(preset)-\(n)", kind: kind, seed: 0, method: "", teacher: "—", iterations: n, wallSeconds: 60,
                  students: [preset: StudentResult(network: "a", map: map, ap50: 0, ap75: 0, curve: [])])
    }

    func testChoosesTheShortestLengthWhereEveryPresetIsWithinTenPercent() throws {
        let results = [run("tiny", 4000, 0.30, kind: .teacher), run("small", 4000, 0.35, kind: .teacher),
                       run("tiny", 1000, 0.20, kind: .schedule), run("small", 1000, 0.20, kind: .schedule),
                       run("tiny", 2000, 0.28, kind: .schedule), run("small", 2000, 0.31, kind: .schedule)]   // 93 %, 89 %
        var study = try ScheduleStudy(results: results)
        XCTAssertEqual(study.points.map(\.iterations), [1000, 1000, 2000, 2000, 4000, 4000])
        XCTAssertEqual(study.points[2].fraction, 0.28 / 0.30, accuracy: 1e-12)
        XCTAssertEqual(study.chosen, 4000, "small reaches only 89 % at 2000")
        study = try ScheduleStudy(results: results.map { r in
            var r = r
            if r.iterations == 2000 && r.students["small"] != nil { r.students["small"]!.map = 0.32 }   // 91 %
            return r
        })
        XCTAssertEqual(study.chosen, 2000)
        XCTAssertTrue(study.markdown().contains("**2000 iterations**"))
        XCTAssertThrowsError(try ScheduleStudy(results: results.filter { $0.kind == .schedule }), "no reference run")
    }
}

final class SuiteRunnerTests: XCTestCase {
    /// A run's result comes from its metrics.jsonl (the last evaluation per network), so a run
    /// resumed after it had finished training still reports its numbers; CoLAD's label share
    /// is the mean of t_ratio over the iteration lines.
    func testFinalEvaluationFromMetrics() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("colad-suite-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let text = """
        {"iteration":1,"a":{"cls":1},"t_ratio":0.25}
        {"iteration":10,"eval":"a","bbox_mAP":0.1,"bbox_mAP_50":0.2,"bbox_mAP_75":0.05}
        {"iteration":20,"a":{"cls":1},"t_ratio":0.75}
        {"iteration":20,"eval":"a","bbox_mAP":0.3,"bbox_mAP_50":0.5,"bbox_mAP_75":0.25}
        {"iteration":20,"eval":"b","bbox_mAP":0.4,"bbox_mAP_50":0.6,"bbox_mAP_75":0.35}
        """
        try text.write(to: url, atomically: true, encoding: .utf8)
        let m = try SuiteRunner.read(url)
        XCTAssertEqual(m.curves["a"], [[10, 0.1], [20, 0.3]])
        XCTAssertEqual(m.final["a"]?["bbox_mAP_50"], 0.5)
        XCTAssertEqual(m.final["b"]?["bbox_mAP"], 0.4)
        XCTAssertNil(m.final["c"])
        XCTAssertEqual(m.labelShareB!, 0.5, accuracy: 1e-12)
    }
}

final class SuiteJSONTests: XCTestCase {
    /// A metric the run did not produce (NaN) is written as "nan" and read back, so a run with
    /// one is reused, not retrained.
    func testRunResultWithAMissingMetricRoundTrips() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("colad-result-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let r = RunResult(id: "seed0/paa-tiny", key: "paa-tiny", kind: .comparison, seed: 0, method: "PAA baseline", teacher: "—",
                          iterations: 2, wallSeconds: 1,
                          students: ["tiny": StudentResult(network: "a", map: 0.1, ap50: .nan, ap75: 0.05, curve: [[2, 0.1]])])
        try SuiteJSON.write(r, to: url)
        XCTAssertTrue(try String(contentsOf: url, encoding: .utf8).contains("\"nan\""))
        let back = try SuiteJSON.read(RunResult.self, from: url)
        XCTAssertTrue(back.students["tiny"]!.ap50.isNaN)
        XCTAssertEqual(back.students["tiny"]!.map, 0.1)
    }
}
