import ArgumentParser
import Config
import Foundation
import Runtime
import Training
import Transport

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a job's coordinator as its own process (multi-node: on the head node).",
        discussion: """
        The workers are started separately with `mpirun -np 2K colad train --config C --coordinator ENDPOINT` \
        (all their ranks are workers). Use the same config and --set values for both.
        """)

    @Option(help: "Config file.", completion: .configFile) var config: String
    @Option(name: .customLong("set"), help: "Override a key (repeatable).", completion: .configKeys) var overrides: [String] = []
    @Option(help: "Where workers connect: this host's address on the job's network, e.g. tcp://10.0.0.1:5700.") var bind: String
    @Option(help: "Worker ranks per network (default: distributed.ranks_per_network).") var ranksPerNetwork: Int?
    @Option(help: "Work dir (default: the config's work_dir).", completion: .directory) var workDir: String?
    @Flag(help: "Continue from the work dir's latest checkpoint.") var resume = false
    @Option(help: "Stop after this many iterations.") var maxIters: Int?

    func run() throws {
        var coordinator: Coordinator?
        do {
            var sets = overrides + ["distributed.coordinator=\(bind)"]
            if let ranksPerNetwork { sets.append("distributed.ranks_per_network=\(ranksPerNetwork)") }
            let cfg = try TrainingConfig.load(file: config, overrides: sets, requireFiles: true)
            let d = cfg.distributed, networks = ModePlan(cfg).networks.count
            let workers: Int
            if let a = d.ranksA, let b = d.ranksB { workers = a + b } else if let k = d.ranksPerNetwork { workers = k * networks } else {
                throw ValidationError("an external coordinator needs the group sizes: pass --ranks-per-network K or set "
                                      + "distributed.ranks_per_network (or both distributed.ranks_a and distributed.ranks_b)")
            }
            let topology = try JobTopology(worldSize: workers, config: cfg)
            let dir = URL(fileURLWithPath: workDir ?? cfg.workDir)
            // No MPI world is shared with the workers: their key comes in a 0600 file in the work dir.
            let own = try CurveKeyPair.generate()
            let file = try KeyFile.make(server: own)
            try file.write(in: dir)
            defer { KeyFile.remove(from: dir) }   // the next launch's workers wait for its new file
            let keys = ChannelKeys(externalCoordinator: own, file: file)
            let c = try Coordinator(.init(config: cfg, workDir: dir, topology: topology, resume: resume, stopAfter: maxIters,
                                          workerBind: bind, keys: keys, log: { Console.standard.line($0) }))
            coordinator = c
            try c.run()
        } catch let e as ValidationError { throw e } catch {
            // End the workers too: their heartbeat threads take the abort (give it a moment to leave).
            coordinator?.markFailed("\(error)")
            coordinator?.abortWorkers("\(error)")
            Thread.sleep(forTimeInterval: 0.5)
            failJob("colad: job failed: \(error)")
        }
    }
}
