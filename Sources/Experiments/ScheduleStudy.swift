// How long must the suite train for its comparisons to mean something? `colad experiment
// --suite schedule` trains each preset's baseline (seed 0) at shorter lengths of the reference
// schedule (SuiteSchedule scales warm-up, lr steps and evaluation with the length) and compares
// the final mAP with the teacher run, which is the same baseline at the reference 4000
// iterations. The suite's length is the shortest one where every preset reaches
// `ScheduleStudy.threshold` of its reference mAP (or the reference itself).
import Config
import Engine
import Foundation
import Training

public struct SchedulePoint: Codable, Equatable, Sendable {
    public var preset: String
    public var iterations: Int
    public var map: Double
    /// map ÷ the same preset's mAP at the reference length.
    public var fraction: Double
    public var wallSeconds: Double
}

public struct ScheduleStudy: Codable, Sendable {
    public static let threshold = 0.9

    public var points: [SchedulePoint]
    /// The shortest measured length at which every preset reaches `threshold` of its reference mAP.
    public var chosen: Int

    /// The runs of the study: each preset's baseline at each of `lengths` (the reference length
    /// itself is the teacher run and is not repeated).
    public static func plan(presets: [String], lengths: [Int], out: URL, overrides: [String] = []) throws -> [SuiteRun] {
        var runs: [SuiteRun] = []
        for n in lengths.sorted() {
            for p in presets {
                runs.append(try PaperSuite.run("schedule/paa-\(p)-\(n)", key: "paa-\(p)-\(n)", kind: .schedule, seed: 0,
                                               method: "PAA baseline, \(n) iterations", teacher: "—", mode: .baseline, a: p, b: nil,
                                               students: [.a: p], schedule: SuiteSchedule(iterations: n), out: out, overrides: overrides))
            }
        }
        return runs
    }

    /// From the finished runs: the schedule runs and the teachers (the reference length).
    public init(results: [RunResult]) throws {
        var reference: [String: Double] = [:]   // preset → the teacher's mAP
        for r in results where r.kind == .teacher {
            for (preset, s) in r.students { reference[preset] = s.map }
        }
        var points: [SchedulePoint] = []
        for r in results where r.kind == .schedule || r.kind == .teacher {
            for (preset, s) in r.students {
                guard let ref = reference[preset] else {
                    throw TrainingError("schedule study: no reference (teacher) run for \(preset)", hint: "the teachers are trained first; rerun to finish them")
                }
                points.append(SchedulePoint(preset: preset, iterations: r.iterations, map: s.map, fraction: s.map / ref,
                                            wallSeconds: r.wallSeconds))
            }
        }
        points.sort { $0.iterations != $1.iterations ? $0.iterations < $1.iterations : SuiteReport.presetOrder($0.preset, $1.preset) }
        self.points = points
        let lengths = Set(points.map(\.iterations)).sorted()
        chosen = lengths.first { n in points.filter { $0.iterations == n }.allSatisfy { $0.fraction >= ScheduleStudy.threshold } }
            ?? lengths.last ?? SuiteSchedule.referenceIterations
    }

    public func markdown() -> String {
        var md = "# colad experiment --suite schedule\n\n"
        md += "Baseline val mAP (seed 0) against schedule length; warm-up, lr steps (70 %, 90 %) and evaluation scale with the length. "
        md += "The longest length is the teachers' reference schedule.\n\n"
        md += "| preset | iterations | mAP | of the reference mAP | wall time |\n|---|---|---|---|---|\n"
        for p in points {
            md += String(format: "| %@ | %d | %.4f | %.0f %% | %.1f min |\n", p.preset, p.iterations, p.map, 100 * p.fraction, p.wallSeconds / 60)
        }
        md += String(format: "\nShortest length with every preset at ≥ %.0f %% of its reference mAP: **%d iterations**.\n",
                     100 * ScheduleStudy.threshold, chosen)
        return md
    }

    /// DIR/schedule.json when a study was written there, else nil.
    public static func read(from dir: URL) -> ScheduleStudy? {
        try? SuiteJSON.read(ScheduleStudy.self, from: dir.appendingPathComponent("schedule.json"))
    }

    public func write(to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try SuiteJSON.write(self, to: dir.appendingPathComponent("schedule.json"))
        try writeAtomically(Data(markdown().utf8), to: dir.appendingPathComponent("schedule.md"))
    }
}
