// The suite's outputs: the teachers' mAPs; the results table (per method and student: bbox_mAP,
// AP50, AP75 and AP of small, medium and large objects as mean ± std over seeds, the paired
// difference to that student's baseline with its 95 % interval, and CoLAD's label shares); the
// paper's three claims judged on paired intervals after checking their premises; the
// granularity and rule ablations as paired intervals; results.json, results.md, curves.png
// (val mAP vs iteration, mean ± std over seeds) and curves.csv (every point).
import Datasets
import Engine
import Foundation

/// One metric of a row over seeds.
public struct MetricSummary: Codable, Equatable, Sendable {
    /// Per seed, in `SuiteRow.seeds` order (a seed without the metric is left out).
    public var values: [Double]
    public var mean: Double
    /// Sample standard deviation (n − 1); 0 for one value.
    public var std: Double

    init(_ values: [Double]) {
        self.values = values
        mean = SuiteReport.mean(values)
        std = SuiteReport.std(values)
    }

    /// "mean ± std"; one value has no spread to show (an interim report's single seed).
    var text: String {
        values.isEmpty ? "—" : values.count == 1 ? String(format: "%.4f", mean) : String(format: "%.4f ± %.4f", mean, std)
    }
}

public struct SuiteRow: Codable, Equatable, Sendable {
    public var key: String
    public var method: String
    public var teacher: String
    public var student: String
    public var seeds: [Int]
    /// By mmdetection name: bbox_mAP, bbox_mAP_50, bbox_mAP_75, bbox_mAP_s, bbox_mAP_m, bbox_mAP_l.
    public var metrics: [String: MetricSummary]
    /// bbox_mAP − the same student's baseline, paired by seed; nil for the baselines.
    public var delta: PairedDifference?
    /// CoLAD: share of the label sets this network assigned (mean over iterations and seeds).
    public var labelShare: Double?

    public var map: MetricSummary { metrics["bbox_mAP"]! }
}

public struct TeacherResult: Codable, Equatable, Sendable {
    public var preset: String
    public var iterations: Int
    public var map: Double
    public var ap50: Double
    public var ap75: Double
}

/// One directional statement of a claim, judged on its paired interval.
public struct ClaimPart: Codable, Equatable, Sendable {
    public var statement: String
    public var difference: PairedDifference
    /// The claimed sign of `difference`.
    public var positive: Bool
    public var verdict: Verdict
}

public struct ClaimCheck: Codable, Equatable, Sendable {
    public var claim: String
    /// What the claim presupposes (e.g. the teacher is stronger than the student's baseline)
    /// and the numbers; nil when it presupposes nothing measurable.
    public var premise: String?
    public var premiseHolds: Bool
    public var parts: [ClaimPart]
    /// untestable when the premise fails; else contradicted when a part is, holds when every
    /// part does, inconclusive otherwise.
    public var verdict: Verdict
}

/// A paired comparison without a claimed direction (the ablations).
public struct Comparison: Codable, Equatable, Sendable {
    public var name: String
    public var difference: PairedDifference
}

public struct SuiteReport: Codable, Sendable {
    public static let metricNames = ["bbox_mAP", "bbox_mAP_50", "bbox_mAP_75", "bbox_mAP_s", "bbox_mAP_m", "bbox_mAP_l"]

    public var seeds: Int
    public var iterations: Int
    public var wallSeconds: Double
    public var teachers: [TeacherResult]
    public var rows: [SuiteRow]
    public var claims: [ClaimCheck]
    public var ablations: [Comparison]
    /// The schedule study, when one was run into the same output directory.
    public var schedule: ScheduleStudy?
    public var runs: [RunResult]
    /// Planned runs without a result yet (an interim report, `colad experiment --report-only`);
    /// empty when the suite is complete.
    public var missing: [String]

    public init(results: [RunResult], seeds: Int, iterations: Int, wallSeconds: Double, schedule: ScheduleStudy? = nil,
                missing: [String] = []) {
        self.seeds = seeds; self.iterations = iterations; self.wallSeconds = wallSeconds; self.schedule = schedule
        self.missing = missing
        runs = results
        teachers = results.filter { $0.kind == .teacher }.flatMap { r in
            r.students.map { TeacherResult(preset: $0.key, iterations: r.iterations, map: $0.value.map, ap50: $0.value.ap50, ap75: $0.value.ap75) }
        }.sorted { SuiteReport.presetOrder($0.preset, $1.preset) }
        let comparison = results.filter { $0.kind == .comparison }
        var order: [String] = []
        var grouped: [String: (run: RunResult, student: String, results: [(seed: Int, StudentResult)])] = [:]
        for r in comparison {
            for student in r.students.keys.sorted(by: SuiteReport.presetOrder) {
                let k = "\(r.key)|\(student)"
                if grouped[k] == nil { order.append(k); grouped[k] = (r, student, []) }
                grouped[k]!.results.append((r.seed, r.students[student]!))
            }
        }
        var rows = order.map { k -> SuiteRow in
            let g = grouped[k]!
            var metrics: [String: MetricSummary] = [:]
            for name in SuiteReport.metricNames { metrics[name] = MetricSummary(g.results.compactMap { $0.1.metric(name) }) }
            let shares = g.results.compactMap { $0.1.labelShare }
            return SuiteRow(key: g.run.key, method: g.run.method, teacher: g.run.teacher, student: g.student, seeds: g.results.map(\.seed),
                            metrics: metrics, delta: nil, labelShare: shares.isEmpty ? nil : SuiteReport.mean(shares))
        }
        let bySeed = SuiteReport.mapsBySeed(comparison)
        for i in rows.indices where rows[i].teacher != "—" {
            let baseline = rows.first { $0.teacher == "—" && $0.student == rows[i].student }
            if let baseline, let value = bySeed["\(rows[i].key)|\(rows[i].student)"], let reference = bySeed["\(baseline.key)|\(baseline.student)"] {
                rows[i].delta = PairedDifference(value: value, reference: reference)
            }
        }
        self.rows = rows
        claims = SuiteReport.checkClaims(bySeed, teachers: teachers)
        ablations = SuiteReport.ablations(bySeed)
    }

    static func presetOrder(_ a: String, _ b: String) -> Bool {
        let rank = ["tiny": 0, "small": 1]
        return (rank[a] ?? 9, a) < (rank[b] ?? 9, b)
    }

    static func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
    static func std(_ v: [Double]) -> Double {
        guard v.count > 1 else { return 0 }
        let m = mean(v)
        return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
    }

    /// "KEY|STUDENT" → seed → bbox_mAP.
    static func mapsBySeed(_ results: [RunResult]) -> [String: [Int: Double]] {
        var out: [String: [Int: Double]] = [:]
        for r in results { for (student, s) in r.students { out["\(r.key)|\(student)", default: [:]][r.seed] = s.map } }
        return out
    }

    /// The paper's claims (i)–(iii), each part a paired interval over seeds.
    static func checkClaims(_ maps: [String: [Int: Double]], teachers: [TeacherResult]) -> [ClaimCheck] {
        func part(_ statement: String, _ a: String, _ b: String, positive: Bool = true) -> ClaimPart? {
            guard let x = maps[a], let y = maps[b] else { return nil }
            let d = PairedDifference(value: x, reference: y)
            return ClaimPart(statement: statement, difference: d, positive: positive, verdict: d.verdict(positive: positive))
        }
        func teacher(_ p: String) -> TeacherResult? { teachers.first { $0.preset == p } }
        /// "the teacher is stronger (weaker) than every seed of the student's baseline".
        func premise(teacher t: String, baseline: String, stronger: Bool) -> (String, Bool)? {
            guard let tr = teacher(t), let b = maps[baseline], !b.isEmpty else { return nil }
            let values = b.keys.sorted().map { b[$0]! }
            let ok = stronger ? values.allSatisfy { tr.map > $0 } : values.allSatisfy { tr.map < $0 }
            let student = String(baseline.split(separator: "|").last ?? "")
            let text = String(format: "the %@ teacher (mAP %.4f after %d iterations) is %@ than the %@ baseline on every seed (%@)",
                              t, tr.map, tr.iterations, stronger ? "stronger" : "weaker", student,
                              values.map { String(format: "%.4f", $0) }.joined(separator: ", "))
            return (text, ok)
        }
        func check(_ claim: String, premise p: (String, Bool)?, needsPremise: Bool, _ parts: [ClaimPart?]) -> ClaimCheck? {
            let parts = parts.compactMap { $0 }
            guard !parts.isEmpty else { return nil }
            let premiseHolds = needsPremise ? (p?.1 ?? false) : true
            let verdict: Verdict
            if !premiseHolds { verdict = .untestable }
            else if parts.contains(where: { $0.verdict == .contradicted }) { verdict = .contradicted }
            else if parts.allSatisfy({ $0.verdict == .holds }) { verdict = .holds }
            else { verdict = .inconclusive }
            return ClaimCheck(claim: claim, premise: p?.0 ?? (needsPremise ? "no teacher run to check it against" : nil),
                              premiseHolds: premiseHolds, parts: parts, verdict: verdict)
        }
        var out: [ClaimCheck?] = []
        out.append(check("(i) larger, stronger teacher (small → tiny): LAD beats soft-label KD, and SoLAD beats both",
                         premise: premise(teacher: "small", baseline: "paa-tiny|tiny", stronger: true), needsPremise: true, [
                            part("LAD − soft-label KD", "lad-small-tiny|tiny", "soft-small-tiny|tiny"),
                            part("SoLAD − LAD", "solad-small-tiny|tiny", "lad-small-tiny|tiny"),
                            part("SoLAD − soft-label KD", "solad-small-tiny|tiny", "soft-small-tiny|tiny"),
                         ]))
        out.append(check("(ii) smaller, weaker teacher (tiny → small): LAD still improves the student, soft-label KD does not",
                         premise: premise(teacher: "tiny", baseline: "paa-small|small", stronger: false), needsPremise: true, [
                            part("LAD − small baseline", "lad-tiny-small|small", "paa-small|small"),
                            part("soft-label KD − small baseline", "soft-tiny-small|small", "paa-small|small", positive: false),
                         ]))
        let coladKeys = Set(maps.keys.compactMap { k -> String? in
            let key = String(k.split(separator: "|").first ?? "")
            return key.hasPrefix("colad-") ? key : nil
        }).sorted()
        for key in coladKeys {
            out.append(check("(iii) \(key): CoLAD from scratch improves both networks over their solo baselines", premise: nil, needsPremise: false, [
                part("tiny: CoLAD − tiny baseline", "\(key)|tiny", "paa-tiny|tiny"),
                part("small: CoLAD − small baseline", "\(key)|small", "paa-small|small"),
            ]))
        }
        return out.compactMap { $0 }
    }

    /// CoLAD's granularity (object − iteration) and rule (mean − std-mean) per network.
    static func ablations(_ maps: [String: [Int: Double]]) -> [Comparison] {
        var out: [Comparison] = []
        for student in ["tiny", "small"] {
            for (name, a, b) in [("granularity: object − iteration (std-mean rule)", "colad-std-mean-object", "colad-std-mean-iteration"),
                                 ("rule: mean − std-mean (iteration)", "colad-mean-iteration", "colad-std-mean-iteration")] {
                if let x = maps["\(a)|\(student)"], let y = maps["\(b)|\(student)"] {
                    out.append(Comparison(name: "\(student): \(name)", difference: PairedDifference(value: x, reference: y)))
                }
            }
        }
        return out
    }

    public func markdown() -> String {
        var md = "# colad experiment --suite paper\n\n"
        md += "\(seeds) seed(s) × \(iterations) iterations per run (built-in dataset, val mAP = COCO AP@[.5:.95]); "
        // The last invocation's time: a suite continued over several invocations reuses the
        // earlier runs (each run's own time is its result's wallSeconds).
        if missing.isEmpty { md += String(format: "wall time of the invocation that finished the suite %.1f min. ", wallSeconds / 60) }
        md += "Δ and the claims use per-seed paired differences (within a seed both runs start one architecture from the same "
        md += "weights and see the same data order) with a 95 % Student t interval on n − 1 degrees of freedom.\n\n"
        if !missing.isEmpty {
            md += "**Interim report: \(runs.count) of \(runs.count + missing.count) runs have finished.** Rows and claims use the seeds "
            md += "finished so far (an interval needs two); not yet run: \(missing.joined(separator: ", ")).\n\n"
        }
        if !teachers.isEmpty {
            md += "## Teachers (trained once at the reference schedule, frozen for every seed)\n\n| teacher | iterations | mAP | AP50 | AP75 |\n|---|---|---|---|---|\n"
            for t in teachers { md += String(format: "| %@ | %d | %.4f | %.4f | %.4f |\n", t.preset, t.iterations, t.map, t.ap50, t.ap75) }
            md += "\n"
        }
        md += "## Results (mean ± std over seeds)\n\n"
        md += "| method | teacher | student | mAP | AP50 | AP75 | APs | APm | APl | Δ mAP vs student baseline [95 % CI] | labels assigned |\n"
        md += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        for r in rows {
            let cells = SuiteReport.metricNames.map { r.metrics[$0]?.text ?? "—" }
            md += "| \(r.method) | \(r.teacher) | \(r.student) | \(cells.joined(separator: " | ")) | \(r.delta?.text ?? "—") | "
                + (r.labelShare.map { String(format: "%.0f %%", 100 * $0) } ?? "—") + " |\n"
        }
        md += "\nPer seed (bbox_mAP): " + rows.map { r in "\(r.key)/\(r.student) " + r.map.values.map { String(format: "%.4f", $0) }.joined(separator: ", ") }
            .joined(separator: "; ") + ".\n"
        md += "\n## The paper's claims at this scale\n\n"
        for c in claims {
            md += "- **\(c.verdict.rawValue)** — \(c.claim)"
            if let p = c.premise { md += "; premise \(c.premiseHolds ? "met" : "NOT met"): \(p)" }
            md += "\n"
            for p in c.parts { md += "  - \(p.statement) \(p.positive ? "> 0" : "< 0"): \(p.difference.text) → \(p.verdict.rawValue)\n" }
        }
        if !ablations.isEmpty {
            md += "\n## Ablations (paired, no claimed direction)\n\n"
            for a in ablations { md += "- \(a.name): \(a.difference.text)\n" }
        }
        if let schedule { md += "\n" + schedule.markdown().replacingOccurrences(of: "# colad experiment --suite schedule", with: "## Schedule study") }
        return md
    }

    /// Val mAP vs iteration, mean over seeds (± std as a band with ≥ 2 seeds): one panel per student preset.
    public func curves() -> LineChart {
        let students = Set(rows.map(\.student)).sorted(by: SuiteReport.presetOrder)
        var panels: [LineChart.Panel] = []
        for student in students {
            var series: [LineChart.Series] = []
            for row in rows where row.student == student {
                var seedValues: [Double: [Double]] = [:]
                for run in runs where run.kind == .comparison && run.key == row.key {
                    for p in run.students[student]?.curve ?? [] { seedValues[p[0], default: []].append(p[1]) }
                }
                let xs = seedValues.keys.sorted()
                let label = row.teacher == "—" || row.teacher == "dynamic" ? row.method : "\(row.method) (\(row.teacher) teacher)"
                // Mean ± std over the seeds that reached x; a band only where there are ≥ 2.
                let band = xs.filter { seedValues[$0]!.count >= 2 }.map { x -> (x: Double, low: Double, high: Double) in
                    let v = seedValues[x]!, m = SuiteReport.mean(v), s = SuiteReport.std(v)
                    return (x: x, low: m - s, high: m + s)
                }
                series.append(.init(label: label, points: xs.map { (x: $0, y: SuiteReport.mean(seedValues[$0]!)) },
                                    band: band.isEmpty ? nil : band))
            }
            panels.append(.init(title: "student \(student): val mAP, mean ± std over seeds", series: series))
        }
        return LineChart(panels: panels, xLabel: "iteration", yLabel: "mAP")
    }

    /// Every evaluation of every run (teachers included): run, kind, seed, key, method, student, iteration, bbox_mAP.
    public func curvesCSV() -> String {
        var csv = "run,kind,seed,key,method,student,iteration,bbox_mAP\n"
        for r in runs {
            for student in r.students.keys.sorted(by: SuiteReport.presetOrder) {
                for p in r.students[student]!.curve {
                    csv += "\(r.id),\(r.kind.rawValue),\(r.seed),\(r.key),\"\(r.method)\",\(student),\(Int(p[0])),\(String(format: "%.6f", p[1]))\n"
                }
            }
        }
        return csv
    }

    /// Writes results.json, results.md, curves.png and curves.csv into `dir` (each atomically).
    public func write(to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try SuiteJSON.write(self, to: dir.appendingPathComponent("results.json"))
        try writeAtomically(Data(markdown().utf8), to: dir.appendingPathComponent("results.md"))
        try writeAtomically(try ImageCodec.encodePNG(curves().render()), to: dir.appendingPathComponent("curves.png"))
        try writeAtomically(Data(curvesCSV().utf8), to: dir.appendingPathComponent("curves.csv"))
    }
}
