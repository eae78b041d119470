import ArgumentParser
import Config
import Foundation
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train from a YAML config (modes baseline, lad, soft, solad, colad; single process).",
        discussion: """
        Writes to the work dir: config.yaml (resolved), metrics.jsonl (one line per iteration and per
        evaluation), checkpoints/iter_NNNNNNN/ (safetensors weights, optimizer state, state.json,
        manifest.json) and checkpoints/latest. Progress is one rewritten line on a terminal and
        plain log lines otherwise.
        """)

    @Option(help: "Config file (see configs/README.md).") var config: String
    @Option(name: .customLong("set"), help: "Override a key: --set train.batch_size=4 (repeatable).") var overrides: [String] = []
    @Option(help: "Work dir (default: the config's work_dir).") var workDir: String?
    @Flag(help: "Continue from the work dir's latest checkpoint.") var resume = false
    @Option(help: "Stop after this many iterations (smoke runs); metrics and a final checkpoint are still written.") var maxIters: Int?
    @Option(help: "Override the config's seed.") var seed: Int?

    func run() throws {
        do {
            var sets = overrides
            if let seed { sets.append("seed=\(seed)") }
            let cfg = try TrainingConfig.load(file: config, overrides: sets, requireFiles: true)
            let trainer = try Trainer(config: cfg, workDir: workDir.map { URL(fileURLWithPath: $0) })
            try trainer.run(resume: resume, stopAfter: maxIters)
            for (id, m) in trainer.lastMetrics.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                print(String(format: "final %@: mAP %.4f  AP50 %.4f  AP75 %.4f", id.rawValue, m.ap, m.ap50, m.ap75))
            }
        } catch { fail(error) }
    }
}
