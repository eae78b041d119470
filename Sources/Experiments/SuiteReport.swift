// The suite's outputs: the results table (method, teacher, student, mAP mean ± std over seeds,
// Δ vs that student's baseline), the paper's three claims checked on it, results.json,
// results.md and curves.png (val mAP vs iteration, mean ± std over seeds, one panel per student).
import Datasets
import Engine
import Foundation

public struct SuiteRow: Codable, Equatable, Sendable {
    public var key: String
    public var method: String
    public var teacher: String
    public var student: String
    public var maps: [Double]
    public var mean: Double
    /// Sample standard deviation over seeds (n − 1); 0 for one seed.
    public var std: Double
    /// mean − the same student's baseline mean; nil for the baselines.
    public var delta: Double?
}

public struct ClaimCheck: Codable, Equatable, Sendable {
    public var claim: String
    public var holds: Bool
    public var evidence: String
}

public struct SuiteReport: Codable, Sendable {
    public var seeds: Int
    public var iterations: Int
    public var wallSeconds: Double
    public var rows: [SuiteRow]
    public var claims: [ClaimCheck]
    public var runs: [RunResult]

    public init(results: [RunResult], seeds: Int, iterations: Int, wallSeconds: Double) {
        self.seeds = seeds; self.iterations = iterations; self.wallSeconds = wallSeconds; runs = results
        var order: [String] = []
        var grouped: [String: (RunResult, String, [Double])] = [:]
        for r in results {
            for student in r.students.keys.sorted(by: SuiteReport.presetOrder) {
                let k = "\(r.key)|\(student)"
                if grouped[k] == nil { order.append(k); grouped[k] = (r, student, []) }
                grouped[k]!.2.append(r.students[student]!.map)
            }
        }
        var rows = order.map { k -> SuiteRow in
            let (r, student, maps) = grouped[k]!
            return SuiteRow(key: r.key, method: r.method, teacher: r.teacher, student: student, maps: maps,
                            mean: SuiteReport.mean(maps), std: SuiteReport.std(maps), delta: nil)
        }
        let baseline = Dictionary(rows.filter { $0.teacher == "—" }.map { ($0.student, $0.mean) }, uniquingKeysWith: { a, _ in a })
        for i in rows.indices where rows[i].teacher != "—" { rows[i].delta = baseline[rows[i].student].map { rows[i].mean - $0 } }
        self.rows = rows
        claims = SuiteReport.checkClaims(rows)
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

    /// The paper's claims (i)–(iii) evaluated on the means; the evidence quotes the numbers.
    static func checkClaims(_ rows: [SuiteRow]) -> [ClaimCheck] {
        func row(_ key: String, _ student: String) -> SuiteRow? { rows.first { $0.key == key && $0.student == student } }
        func f(_ r: SuiteRow) -> String { String(format: "%@ %.4f ± %.4f", r.method, r.mean, r.std) }
        func d(_ r: SuiteRow) -> String { String(format: "%@ Δ %+.4f", r.method, r.delta ?? .nan) }
        var out: [ClaimCheck] = []
        if let soft = row("soft-small-tiny", "tiny"), let lad = row("lad-small-tiny", "tiny"), let solad = row("solad-small-tiny", "tiny") {
            out.append(ClaimCheck(claim: "(i) small→tiny: LAD beats soft-label KD, and SoLAD is at least as good as either",
                                  holds: lad.mean > soft.mean && solad.mean >= max(lad.mean, soft.mean),
                                  evidence: "\(f(lad)) vs \(f(soft)); \(f(solad))"))
        }
        if let soft = row("soft-tiny-small", "small"), let lad = row("lad-tiny-small", "small") {
            out.append(ClaimCheck(claim: "(ii) tiny→small (smaller teacher): LAD still helps the larger student, soft-label KD does not",
                                  holds: (lad.delta ?? -1) > 0 && (soft.delta ?? 1) <= 0,
                                  evidence: "\(d(lad)), \(d(soft)) (vs small baseline)"))
        }
        for key in rows.map(\.key) where key.hasPrefix("colad-") {
            guard !out.contains(where: { $0.claim.contains(key) }),
                  let t = row(key, "tiny"), let s = row(key, "small") else { continue }
            out.append(ClaimCheck(claim: "(iii) \(key): CoLAD improves both networks over their solo baselines",
                                  holds: (t.delta ?? -1) > 0 && (s.delta ?? -1) > 0,
                                  evidence: String(format: "tiny Δ %+.4f (%.4f ± %.4f), small Δ %+.4f (%.4f ± %.4f)",
                                                   t.delta ?? .nan, t.mean, t.std, s.delta ?? .nan, s.mean, s.std)))
        }
        return out
    }

    public func markdown() -> String {
        var md = "# colad experiment --suite paper\n\n"
        md += "\(seeds) seed(s) × \(iterations) iterations per run (batch 8, built-in dataset, val mAP = COCO AP@[.5:.95]); "
        md += String(format: "suite wall time %.1f min.\n\n", wallSeconds / 60)
        md += "| method | teacher | student | mAP (mean ± std) | Δ vs student baseline | per seed |\n|---|---|---|---|---|---|\n"
        for r in rows {
            let delta = r.delta.map { String(format: "%+.4f", $0) } ?? "—"
            md += String(format: "| %@ | %@ | %@ | %.4f ± %.4f | %@ | %@ |\n", r.method, r.teacher, r.student, r.mean, r.std, delta,
                         r.maps.map { String(format: "%.4f", $0) }.joined(separator: ", "))
        }
        md += "\n## The paper's claims at this scale\n\n"
        for c in claims { md += "- **\(c.holds ? "holds" : "does not hold")** — \(c.claim): \(c.evidence)\n" }
        md += "\nStd is the sample standard deviation over seeds; a difference smaller than the stds is not resolved by this many seeds.\n"
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
                for run in runs where run.key == row.key {
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
            panels.append(.init(title: "student \(student): val mAP, mean of \(seeds) seed(s)", series: series))
        }
        return LineChart(panels: panels, xLabel: "iteration", yLabel: "mAP")
    }

    /// Writes results.json, results.md and curves.png into `dir` (each atomically).
    public func write(to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try writeAtomically(try enc.encode(self), to: dir.appendingPathComponent("results.json"))
        try writeAtomically(Data(markdown().utf8), to: dir.appendingPathComponent("results.md"))
        try writeAtomically(try ImageCodec.encodePNG(curves().render()), to: dir.appendingPathComponent("curves.png"))
    }
}
