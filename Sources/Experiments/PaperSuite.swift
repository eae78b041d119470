// The paper suite of `colad experiment` (issue: reproduce the paper's claims at small scale):
// baselines, larger→smaller and smaller→larger distillation, and CoLAD from scratch, for N
// seeds, on one schedule chosen so the whole suite fits in two hours on a 2-core machine.
import Config
import Foundation

/// The shared schedule of every run of the suite.
public struct SuiteSchedule: Equatable, Sendable {
    public var iterations = 800
    public var batchSize = 8
    public var lr = 0.02
    public var warmupIters = 100
    /// Fractions of `iterations` where the learning rate drops ×0.1 (the reference 0.7 / 0.9).
    public var lrStepFractions = [0.7, 0.9]
    public var evalEvery = 200

    public init() {}

    var lrSteps: [Int] { lrStepFractions.map { Int((Double(iterations) * $0).rounded()) } }
}

/// One training run of the suite and the rows of the results table it contributes.
public struct SuiteRun: Sendable {
    /// e.g. `seed0/lad-small-tiny`; also the run's directory under `OUT/runs/`.
    public var id: String
    /// Name of the run without the seed (`lad-small-tiny`): runs with the same key are one row.
    public var key: String
    public var seed: Int
    /// Table label: "PAA baseline", "Soft-label KD", "LAD", "SoLAD", "CoLAD std-mean (iteration)", …
    public var method: String
    /// "—" for baselines, the teacher preset for distillation, "dynamic" for CoLAD.
    public var teacher: String
    /// Evaluated network → its preset (the "student" column).
    public var students: [NetworkID: String]
    public var config: TrainingConfig
}

public enum PaperSuite {
    public static let presets = (small: "small", tiny: "tiny")

    /// Every run, seed-major (all of seed 0 first, so partial results come early); within a
    /// seed the baselines come first because they are the teachers of the distillation runs.
    /// `overrides` (`key=value`, as `colad train --set`) apply to every run after the suite's own
    /// settings, e.g. a smaller dataset for a smoke run.
    public static func plan(seeds: Int, schedule: SuiteSchedule, out: URL, overrides: [String] = []) throws -> [SuiteRun] {
        var runs: [SuiteRun] = []
        for seed in 0..<seeds {
            func run(_ key: String, _ method: String, teacher: String, mode: Mode, a: String, b: String?,
                     aCheckpoint: String? = nil, students: [NetworkID: String],
                     tweak: (inout TrainingConfig) -> Void = { _ in }) throws {
                let id = "seed\(seed)/\(key)"
                var c = TrainingConfig(name: key, mode: mode, networkA: NetworkConfig.preset(a, checkpoint: aCheckpoint)!,
                                       networkB: b.flatMap { NetworkConfig.preset($0) }, iterations: schedule.iterations, seed: seed)
                c.train.batchSize = schedule.batchSize
                c.train.lr = schedule.lr
                c.train.warmupIters = schedule.warmupIters
                c.train.lrSteps = schedule.lrSteps
                c.train.evalEvery = schedule.evalEvery
                c.train.checkpointEvery = schedule.evalEvery   // an interrupted run resumes
                c.train.keepCheckpoints = 1
                c.train.logEvery = 100
                c.workDir = out.appendingPathComponent("runs").appendingPathComponent(id).path
                tweak(&c)
                try c.validate()
                if !overrides.isEmpty { c = try TrainingConfig.parse(yaml: c.resolvedYAML(), file: "suite run \(id)", overrides: overrides) }
                runs.append(SuiteRun(id: id, key: key, seed: seed, method: method, teacher: teacher, students: students, config: c))
            }
            func teacherWeights(_ preset: String) -> String {
                out.appendingPathComponent("runs/seed\(seed)/paa-\(preset)/checkpoints")
                    .appendingPathComponent(String(format: "iter_%07d", schedule.iterations))
                    .appendingPathComponent("network-a.safetensors").path
            }
            // 1. Baselines.
            for p in [presets.tiny, presets.small] {
                try run("paa-\(p)", "PAA baseline", teacher: "—", mode: .baseline, a: p, b: nil, students: [.a: p])
            }
            // 2. Larger teacher → smaller student.
            for (mode, method) in [(Mode.soft, "Soft-label KD"), (.lad, "LAD"), (.solad, "SoLAD")] {
                try run("\(mode.rawValue)-small-tiny", method, teacher: presets.small, mode: mode, a: presets.small, b: presets.tiny,
                        aCheckpoint: teacherWeights(presets.small), students: [.b: presets.tiny])
            }
            // 3. Smaller teacher → larger student.
            for (mode, method) in [(Mode.soft, "Soft-label KD"), (.lad, "LAD")] {
                try run("\(mode.rawValue)-tiny-small", method, teacher: presets.tiny, mode: mode, a: presets.tiny, b: presets.small,
                        aCheckpoint: teacherWeights(presets.tiny), students: [.b: presets.small])
            }
            // 4. CoLAD from scratch.
            for (rule, granularity) in [(CoLADRule.stdMean, Granularity.iteration), (.stdMean, .object), (.mean, .iteration)] {
                try run("colad-\(rule.rawValue)-\(granularity.rawValue)", "CoLAD \(rule.rawValue) (\(granularity.rawValue))",
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
