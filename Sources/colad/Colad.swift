// The `colad` executable. Subcommands live one per file; how the process ends is decided in
// Exit.swift only: 0 success, 1 a user-facing error (bad input, failed run), 64 usage errors
// (ArgumentParser).
import ArgumentParser
import Foundation

@main
struct Colad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colad",
        abstract: "Train dense object detectors with Co-learning Label Assignment Distillation (CoLAD).",
        version: "0.1.0 (commit \(buildCommit))",
        subcommands: [TrainCommand.self, ConfigCommand.self, EvalCommand.self, DetectCommand.self, ExportCommand.self, DatasetCommand.self, ExperimentCommand.self, PlotCommand.self, CoordinatorCommand.self, StatusCommand.self, PlanCommand.self, Bench.self, Diag.self])

    /// Line-buffered stdout, so logs written to a file or pipe appear as they happen.
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        BLASRelaunch.ifNeeded()
        main(nil)
    }
}


func printJSON(_ object: Any) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    print(String(decoding: data, as: UTF8.self))
}
