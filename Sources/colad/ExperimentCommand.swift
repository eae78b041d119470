import ArgumentParser
import Experiments
import Foundation

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run an experiment suite (the paper's comparison) and write its results table and curves.",
        discussion: """
        --suite paper trains, for each seed: the PAA baselines (tiny, small); small→tiny with soft-label \
        KD, LAD and SoLAD (teacher: that seed's small baseline); tiny→small with soft-label KD and LAD; \
        CoLAD tiny+small from scratch (std-mean at iteration and object granularity, and mean). \
        Writes OUT/results.json, OUT/results.md (mAP mean ± std over seeds, Δ vs the student's baseline, \
        the paper's claims checked) and OUT/curves.png; each run lives in OUT/runs/seedS/NAME. \
        Finished runs are reused and an interrupted run resumes, so re-running continues the suite.
        """)

    @Option(help: "Suite to run (paper).") var suite: String
    @Option(help: "Output directory.", completion: .directory) var out: String
    @Option(help: "Seeds per run.") var seeds = 3
    @Option(help: "Iterations per run (default: the suite's schedule, 800).") var iterations: Int?
    @Option(help: "Evaluate every N iterations (default 200).") var evalEvery: Int?
    @Option(name: .customLong("set"), help: "Override a key in every run, as in colad train (repeatable), e.g. --set data.train_size=500.") var overrides: [String] = []

    func run() throws {
        do {
            guard suite == "paper" else {
                throw ValidationError("unknown suite '\(suite)'; available: paper")
            }
            guard seeds >= 1 else { throw ValidationError("--seeds must be ≥ 1, got \(seeds)") }
            var schedule = SuiteSchedule()
            if let iterations {
                guard iterations >= 1 else { throw ValidationError("--iterations must be ≥ 1, got \(iterations)") }
                schedule.iterations = iterations
                schedule.warmupIters = min(schedule.warmupIters, max(0, iterations / 8))
            }
            if let evalEvery { schedule.evalEvery = evalEvery }
            schedule.evalEvery = min(schedule.evalEvery, schedule.iterations)
            let outURL = URL(fileURLWithPath: out)
            let plan = try PaperSuite.plan(seeds: seeds, schedule: schedule, out: outURL, overrides: overrides)
            print("experiment paper: \(plan.count) runs (\(seeds) seed(s) × \(plan.count / seeds)), "
                  + "\(schedule.iterations) iterations each, output \(outURL.path)")
            let start = Date()
            let results = try SuiteRunner(out: outURL).run(plan)
            let report = SuiteReport(results: results, seeds: seeds, iterations: schedule.iterations,
                                     wallSeconds: Date().timeIntervalSince(start))
            try report.write(to: outURL)
            print(report.markdown())
            print("wrote \(outURL.path)/results.json, results.md, curves.png")
        } catch let e as ValidationError { throw e } catch { fail(error) }
    }
}
