// `colad config print`: the resolved configuration (every key with the value in effect, bases
// merged, --set applied, defaults filled in) without training: exactly what `colad train`
// writes to WORK_DIR/config.yaml. Errors are train's (file, line, key, hint; exit 1).
import ArgumentParser
import Config
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect a training config.",
        subcommands: [ConfigPrint.self])
}

struct ConfigPrint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Print the resolved config (what `colad train` writes to WORK_DIR/config.yaml) without training.",
        discussion: """
        The file's _base_ configs are merged, the --set overrides applied and every default filled in; \
        the output loads again as a config. With --check-files the checkpoint and COCO paths must \
        exist, as `colad train` requires.
        """)

    @Option(help: "Config file (see configs/README.md).", completion: .configFile) var config: String
    @Option(name: .customLong("set"), help: "Override a key: --set train.batch_size=4 (repeatable).",
            completion: .configKeys) var overrides: [String] = []
    @Flag(help: "Also check that the checkpoint and COCO paths exist (as train does).") var checkFiles = false

    func run() throws {
        do {
            let cfg = try TrainingConfig.load(file: config, overrides: overrides, requireFiles: checkFiles)
            print(cfg.resolvedYAML(), terminator: "")
        } catch { fail(error) }
    }
}
