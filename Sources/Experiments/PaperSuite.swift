// The paper suite of `colad experiment` (issue 14): the PAA baselines, larger→smaller and
// smaller→larger distillation from teachers trained once at the reference schedule, and CoLAD
// from scratch, for N seeds on one schedule. Within a seed every run of one architecture starts
// from the same weights (TrainingConfig.initialisationStream) and sees the same data order, so
// runs compare in pairs.
import Config
import Foundation
import Training

/// The shared schedule of the suite's runs: the reference schedule (configs/_base_/schedule.yaml,
/// 4000 iterations, warm-up 300, lr steps at 70 % and 90 %, evaluation every 1000) scaled to
/// `iterations`.
public struct SuiteSchedule: Equatable, Sendable {
    /// 4000, the reference itself: at 1000 and 2000 iterations the baselines reach only 33-56 %
    /// of their 4000-iteration mAP (`colad experiment --suite schedule`,
    /// docs/experiments/2026-12-01/ANALYSIS.md).
    public static let defaultIterations = 4000
    public static let referenceIterations = 4000

    public var iterations: Int
    public var batchSize = 8
    public var lr = 0.02
    public var warmupIters: Int
    /// Fractions of `iterations` where the learning rate drops ×0.1.
    public var lrStepFractions = [0.7, 0.9]
    public var evalEvery: Int

    public init(iterations: Int = SuiteSchedule.defaultIterations) {
        self.iterations = iterations
        warmupIters = Int((Double(iterations) * 300 / 4000).rounded())
        evalEvery = max(1, iterations / 4)
    }

    public var lrSteps: [Int] { lrStepFractions.map { Int((Double(iterations) * $0).rounded()) } }

    func apply(to c: inout TrainingConfig) {
        c.train.iterations = iterations
        c.train.batchSize = batchSize
        c.train.lr = lr
        c.train.warmupIters = warmupIters
        c.train.lrSteps = lrSteps
        c.train.evalEvery = evalEvery
        c.train.checkpointEvery = evalEvery   // an interrupted run resumes
        c.train.keepCheckpoints = 1
        c.train.logEvery = 100
    }
}

/// One training run of the suite and the rows of the results table it contributes.
public struct SuiteRun: Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Trained once at the reference schedule; the frozen teacher of the distillation runs.
        case teacher
        /// A baseline of the schedule study.
        case schedule
        /// A run of the comparison table.
        case comparison
    }

    /// e.g. `seed0/lad-small-tiny`, `teachers/paa-small`; also the run's directory under `OUT/runs/`.
    public var id: String
    /// Name of the run without the seed (`lad-small-tiny`): runs with the same key are one row.
    public var key: String
    public var kind: Kind
    public var seed: Int
    /// Table label: "PAA baseline", "Soft-label KD", "LAD", "SoLAD", "CoLAD std-mean (iteration)", …
    public var method: String
    /// "—" for baselines, the teacher preset for distillation, "dynamic" for CoLAD.
    public var teacher: String
    /// Evaluated network → its preset (the "student" column).
    public var students: [NetworkID: String]
    public var config: TrainingConfig
    public var workDir: URL
    /// Ids of the runs whose weights this one loads (a student's teacher): trained first.
    public var dependsOn: [String] = []
}

public enum PaperSuite {
    public static let presets = (small: "small", tiny: "tiny")

    /// Where the teacher of `preset` is trained: `OUT/runs/teachers/paa-PRESET`.
    public static func teacherDirectory(_ preset: String, out: URL) -> URL {
        out.appendingPathComponent("runs/teachers/paa-\(preset)")
    }

    /// The teacher runs: each preset's reference config (e.g. configs/paa-small.yaml, parsed by
    /// the caller) as it is, trained into `teacherDirectory` (the config's own work_dir is kept,
    /// so `colad train --config … --work-dir DIR` trains the same run).
    public static func teachers(_ configs: [String: TrainingConfig], out: URL) -> [SuiteRun] {
        configs.keys.sorted(by: SuiteReport.presetOrder).map { preset in
            let c = configs[preset]!
            return SuiteRun(id: "teachers/paa-\(preset)", key: "teacher-\(preset)", kind: .teacher, seed: c.seed,
                            method: "PAA teacher (\(c.train.iterations) iterations)", teacher: "—",
                            students: [.a: preset], config: c, workDir: teacherDirectory(preset, out: out))
        }
    }

    static func run(_ id: String, key: String, kind: SuiteRun.Kind, seed: Int, method: String, teacher: String,
                    mode: Mode, a: String, b: String?, aCheckpoint: String? = nil, students: [NetworkID: String],
                    schedule: SuiteSchedule, out: URL, overrides: [String],
                    tweak: (inout TrainingConfig) -> Void = { _ in }) throws -> SuiteRun {
        var c = TrainingConfig(name: key, mode: mode, networkA: NetworkConfig.preset(a, checkpoint: aCheckpoint)!,
                               networkB: b.flatMap { NetworkConfig.preset($0) }, iterations: schedule.iterations, seed: seed)
        schedule.apply(to: &c)
        let dir = out.appendingPathComponent("runs").appendingPathComponent(id)
        c.workDir = dir.path
        tweak(&c)
        try c.validate()
        if !overrides.isEmpty { c = try TrainingConfig.parse(yaml: c.resolvedYAML(), file: "suite run \(id)", overrides: overrides) }
        return SuiteRun(id: id, key: key, kind: kind, seed: seed, method: method, teacher: teacher, students: students,
                        config: c, workDir: dir)
    }

    /// Every run: the teachers first, then seed-major (SuiteRunner decides the start order of the
    /// runs that are ready: teachers, students, baselines, the rest). `teachers` maps a preset to
    /// its reference config; the distillation runs load the teacher's latest checkpoint from its
    /// run directory. `overrides` (`key=value`, as `colad train --set`) apply to every
    /// comparison run after the suite's own settings, e.g. a smaller dataset for a smoke run.
    public static func plan(seeds: Int, schedule: SuiteSchedule, out: URL, teachers: [String: TrainingConfig],
                            overrides: [String] = []) throws -> [SuiteRun] {
        var runs = PaperSuite.teachers(teachers, out: out)
        for p in [presets.tiny, presets.small] where teachers[p] == nil {
            throw TrainingError("the paper suite needs a teacher config for \(p)", hint: "colad experiment reads it from --teacher-configs DIR (default configs/): DIR/paa-\(p).yaml")
        }
        for seed in 0..<seeds {
            func add(_ key: String, _ method: String, teacher: String, mode: Mode, a: String, b: String?,
                     distilled: Bool = false, students: [NetworkID: String], tweak: (inout TrainingConfig) -> Void = { _ in }) throws {
                let checkpoint = distilled ? teacherDirectory(a, out: out).path : nil
                var r = try run("seed\(seed)/\(key)", key: key, kind: .comparison, seed: seed, method: method, teacher: teacher,
                                mode: mode, a: a, b: b, aCheckpoint: checkpoint, students: students, schedule: schedule,
                                out: out, overrides: overrides, tweak: tweak)
                if distilled { r.dependsOn = ["teachers/paa-\(a)"] }
                runs.append(r)
            }
            // 1. Baselines.
            for p in [presets.tiny, presets.small] {
                try add("paa-\(p)", "PAA baseline", teacher: "—", mode: .baseline, a: p, b: nil, students: [.a: p])
            }
            // 2. Larger teacher → smaller student.
            for (mode, method) in [(Mode.soft, "Soft-label KD"), (.lad, "LAD"), (.solad, "SoLAD")] {
                try add("\(mode.rawValue)-small-tiny", method, teacher: presets.small, mode: mode, a: presets.small, b: presets.tiny,
                        distilled: true, students: [.b: presets.tiny])
            }
            // 3. Smaller teacher → larger student.
            for (mode, method) in [(Mode.soft, "Soft-label KD"), (.lad, "LAD")] {
                try add("\(mode.rawValue)-tiny-small", method, teacher: presets.tiny, mode: mode, a: presets.tiny, b: presets.small,
                        distilled: true, students: [.b: presets.small])
            }
            // 4. CoLAD from scratch.
            for (rule, granularity) in [(CoLADRule.stdMean, Granularity.iteration), (.stdMean, .object), (.mean, .iteration)] {
                try add("colad-\(rule.rawValue)-\(granularity.rawValue)", "CoLAD \(rule.rawValue) (\(granularity.rawValue))",
                        teacher: "dynamic", mode: .colad, a: presets.tiny, b: presets.small,
                        students: [.a: presets.tiny, .b: presets.small]) {
                    $0.colad.rule = rule
                    $0.colad.granularity = granularity
                }
            }
        }
        return runs
    }
}
