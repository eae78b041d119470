import ArgumentParser
import Config
import Foundation
import Runtime
import Training

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "How many worker ranks a two-network config should start on this host (what launch/local uses without a rank count).",
        discussion: """
        Times each network's step at one thread (a second or two for the presets; run it on an \
        otherwise idle host), then scores every worker count W from 2 to twice the cores: the job \
        keeps the global batch batch_size × ⌈W/2⌉ and splits the W ranks between the networks by \
        cost, and ranks beyond the cores share them (a rank that has finished its iteration waits \
        asleep). The smallest W within 2 % of the best predicted images per second wins. Prints \
        the plan; with --workers-only W alone on stdout, for scripts.
        """)

    @Option(help: "Config file.", completion: .configFile) var config: String
    @Option(name: .customLong("set"), help: "Override a key, as in colad train (repeatable).",
            completion: .configKeys) var overrides: [String] = []
    @Option(help: "Cores the job may use (default: this host's).") var cores: Int?
    @Option(help: "Largest worker count to consider (default: twice the cores).") var maxWorkers: Int?
    @Flag(help: "Print only the chosen worker count on stdout (the plan goes to stderr).") var workersOnly = false

    func run() throws {
        do {
            let cfg = try TrainingConfig.load(file: config, overrides: overrides, requireFiles: false)
            let (choice, lines) = try WorkerPlan.choose(cfg, cores: cores ?? ProcessInfo.processInfo.activeProcessorCount,
                                                        maxWorkers: maxWorkers)
            if workersOnly {
                for l in lines { FileHandle.standardError.write(Data((l + "\n").utf8)) }
                print(choice.a + choice.b)
            } else {
                for l in lines { print(l) }
            }
        } catch {
            fail(error)
        }
    }
}
