import ArgumentParser
import Config
import Experiments
import Foundation

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run an experiment suite (the paper's comparison, or the schedule study) and write its results.",
        discussion: """
        --suite paper first trains the teachers once at the reference schedule (DIR/paa-tiny.yaml and \
        DIR/paa-small.yaml of --teacher-configs, 4000 iterations), then for each seed: the PAA baselines \
        (tiny, small); small→tiny with soft-label KD, LAD and SoLAD and tiny→small with soft-label KD and \
        LAD, each from the frozen teacher; CoLAD tiny+small from scratch (std-mean at iteration and object \
        granularity, and mean). Within a seed one architecture starts from the same weights in every run. \
        Writes OUT/results.json, OUT/results.md (mAP, AP50, AP75, APs/m/l as mean ± std over seeds; paired \
        Δ vs the student's baseline with a 95 % t interval; the paper's claims judged holds, contradicted, \
        inconclusive or untestable), OUT/curves.png and OUT/curves.csv.

        --suite schedule trains each baseline (seed 0) at shorter lengths of the reference schedule \
        (--lengths) and compares them with the teachers (the same baselines at 4000 iterations): \
        OUT/schedule.md names the shortest length where both reach 90 % of their 4000-iteration mAP. Run it \
        into the same OUT as the paper suite so the teachers are shared and results.md includes it.

        Each run lives in OUT/runs/… and is trained by `colad train` in a child process (its output in \
        OUT/runs/…/train.log and, prefixed, here); --jobs runs train at once, each on cores ÷ the runs \
        that can run (a run's numbers do not depend on its threads), a student only after its teacher. \
        Finished runs are reused (their result.json) and an interrupted run resumes, so running the \
        command again continues the suite; a teacher whose result is kept but whose checkpoint is gone \
        is trained again when a student still needs it, and must reproduce its recorded mAP.
        """)

    @Option(help: "Suite to run: paper or schedule.") var suite: String
    @Option(help: "Output directory.", completion: .directory) var out: String
    @Option(help: "Seeds of the paper suite.") var seeds = 3
    @Option(help: "Iterations per run of the paper suite (default \(SuiteSchedule.defaultIterations): the reference schedule scaled; see --suite schedule).")
    var iterations: Int?
    @Option(help: "Evaluate every N iterations (default: a quarter of the run).") var evalEvery: Int?
    @Option(help: "Directory with the teachers' reference configs paa-tiny.yaml and paa-small.yaml.", completion: .directory)
    var teacherConfigs = "configs"
    @Option(help: "Train the teachers for N iterations on the reference schedule scaled to N instead of their configs' own (for smoke tests).")
    var teacherIterations: Int?
    @Option(help: "Schedule study: the lengths to compare with the teachers, comma-separated.") var lengths = "1000,2000"
    @Option(name: .customLong("set"), help: "Override a key in every run, teachers included, as in colad train (repeatable), e.g. --set data.train_size=500.")
    var overrides: [String] = []
    @Flag(help: "Train nothing: write results.md/json and the curves from the runs finished so far (an interim report, which lists the runs not yet run).")
    var reportOnly = false
    @Option(help: "Runs trained at the same time (default: the cores, COLAD_CORES or all of this machine's; on 2 cores two 1-thread runs do ×1.2-1.3 the work of one 2-thread run).")
    var jobs: Int?

    func run() throws {
        do {
            guard suite == "paper" || suite == "schedule" else {
                throw ValidationError("unknown suite '\(suite)'; available: paper, schedule")
            }
            guard seeds >= 1 else { throw ValidationError("--seeds must be ≥ 1, got \(seeds)") }
            let outURL = URL(fileURLWithPath: out)
            let cores = ProcessInfo.processInfo.environment["COLAD_CORES"].flatMap { Int($0) }.map { max(1, $0) }
                ?? ProcessInfo.processInfo.activeProcessorCount
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
            let processes = RunProcesses(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())
            stopChildrenOnSignal(processes)
            let runner = SuiteRunner(jobs: jobs ?? cores, cores: cores, train: processes.training)
            let teacherConfigs = try loadTeacherConfigs()
            let start = Date()
            if suite == "schedule" {
                let parsed = lengths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                    throw ValidationError("--lengths: expected positive iteration counts separated by commas, got '\(lengths)'")
                }
                let plan = PaperSuite.teachers(teacherConfigs, out: outURL) + (try ScheduleStudy.plan(presets: ["tiny", "small"], lengths: parsed.map { $0! }, out: outURL, overrides: overrides))
                print("experiment schedule: \(plan.count) runs (the teachers and the baselines at \(lengths) iterations), "
                      + "\(runner.jobs) at a time on \(cores) cores, output \(outURL.path)")
                let study = try ScheduleStudy(results: try runner.run(plan))
                try study.write(to: outURL)
                print(study.markdown())
                print("wrote \(outURL.path)/schedule.json, schedule.md (\(String(format: "%.1f", Date().timeIntervalSince(start) / 60)) min)")
                return
            }
            var schedule = SuiteSchedule(iterations: iterations ?? SuiteSchedule.defaultIterations)
            guard schedule.iterations >= 1 else { throw ValidationError("--iterations must be ≥ 1, got \(schedule.iterations)") }
            if let evalEvery { schedule.evalEvery = min(max(1, evalEvery), schedule.iterations) }
            let plan = try PaperSuite.plan(seeds: seeds, schedule: schedule, out: outURL, teachers: teacherConfigs, overrides: overrides)
            let perSeed = (plan.count - teacherConfigs.count) / seeds
            if reportOnly {
                let finished = plan.map { SuiteRunner.finishedResult($0) }
                let results = finished.compactMap { $0 }
                let missing = zip(plan, finished).filter { $0.1 == nil }.map(\.0.id)
                let report = SuiteReport(results: results, seeds: seeds, iterations: schedule.iterations,
                                         wallSeconds: results.map(\.wallSeconds).reduce(0, +), schedule: ScheduleStudy.read(from: outURL),
                                         missing: missing)
                try report.write(to: outURL)
                print(report.markdown())
                print("wrote \(outURL.path)/results.json, results.md, curves.png, curves.csv from \(results.count) of \(plan.count) runs"
                      + (missing.isEmpty ? "" : " (interim: \(missing.count) not yet run)"))
                return
            }
            print("experiment paper: \(plan.count) runs (\(teacherConfigs.count) teachers, then \(seeds) seed(s) × \(perSeed)), "
                  + "\(schedule.iterations) iterations each, \(runner.jobs) at a time on \(cores) cores, output \(outURL.path)")
            let results = try runner.run(plan)
            let study = ScheduleStudy.read(from: outURL)
            let report = SuiteReport(results: results, seeds: seeds, iterations: schedule.iterations,
                                     wallSeconds: Date().timeIntervalSince(start), schedule: study)
            try report.write(to: outURL)
            print(report.markdown())
            print("wrote \(outURL.path)/results.json, results.md, curves.png, curves.csv")
        } catch let e as ValidationError { throw e } catch { fail(error) }
    }

    /// The teachers' configs from DIR/paa-PRESET.yaml, with --set and --teacher-iterations applied.
    func loadTeacherConfigs() throws -> [String: TrainingConfig] {
        var configs: [String: TrainingConfig] = [:]
        for preset in ["tiny", "small"] {
            let file = URL(fileURLWithPath: teacherConfigs).appendingPathComponent("paa-\(preset).yaml").path
            guard FileManager.default.fileExists(atPath: file) else {
                throw ValidationError("--teacher-configs \(teacherConfigs): no paa-\(preset).yaml (the \(preset) teacher's reference config); "
                                      + "run from the repository root or give the directory of configs/paa-tiny.yaml and configs/paa-small.yaml")
            }
            var sets = overrides
            if let n = teacherIterations {
                let s = SuiteSchedule(iterations: n)
                sets += ["train.iterations=\(n)", "train.warmup_iters=\(s.warmupIters)", "train.lr_steps=[\(s.lrSteps.map(String.init).joined(separator: ","))]",
                         "train.eval_every=\(s.evalEvery)"]
            }
            configs[preset] = try TrainingConfig.load(file: file, overrides: sets)
        }
        return configs
    }
}

/// Ctrl-C or SIGTERM ends the suite's `colad train` children too (they resume next time).
private func stopChildrenOnSignal(_ processes: RunProcesses) {
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler {
            let n = processes.terminateAll()
            FileHandle.standardError.write(Data("colad experiment: interrupted (signal \(sig)); stopped \(n) run(s), which resume when the command is run again\n".utf8))
            _exit(128 + sig)
        }
        source.resume()
        signalSources.append(source)
    }
}

nonisolated(unsafe) private var signalSources: [DispatchSourceSignal] = []
