import ArgumentParser
import Comm
import Config
import Engine
import Foundation
import Runtime
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train from a YAML config (modes baseline, lad, soft, solad, colad), in one process or under mpirun.",
        discussion: """
        One process (plain `colad train` or `mpirun -np 1`): every role in this process, the \
        single-process reference. Under `mpirun -np N` (N > 1): world rank 0 is the coordinator and \
        the other ranks form the network groups (distributed.ranks_per_network each, default \
        (N−1)/2; baseline: N−1; or distributed.ranks_a / ranks_b for unequal groups, which share the \
        global batch batch_size × max(ranks_a, ranks_b)); with distributed.coordinator (or --coordinator) set, an external \
        `colad coordinator` runs the coordination and all N ranks are workers.

        Writes to the work dir: config.yaml (resolved), metrics.jsonl (one line per iteration and per \
        evaluation), checkpoints/iter_NNNNNNN/ (safetensors weights, optimizer state, state.json, \
        manifest.json) and checkpoints/latest, TensorBoard event files (monitor.tensorboard), and with \
        --trace trace.json; distributed runs also status-endpoint and control-token (mode 0600), and \
        metrics-endpoint with monitor.prometheus_port. Progress is one rewritten line on a terminal \
        and plain log lines otherwise.

        --resume continues from the work dir's latest checkpoint, which must have been written with \
        the same configuration (a refusal lists every key that differs, and leaves the work dir's \
        config.yaml as it was). `colad train --resume --work-dir D` without --config uses the run's \
        own D/config.yaml, with any --set on top.
        """)

    @Option(help: "Config file (see configs/README.md); with --resume --work-dir D, default D/config.yaml.",
            completion: .configFile) var config: String?
    @Option(name: .customLong("set"), help: "Override a key: --set train.batch_size=4 (repeatable).",
            completion: .configKeys) var overrides: [String] = []
    @Option(help: "Work dir (default: the config's work_dir).", completion: .directory) var workDir: String?
    @Flag(help: "Continue from the work dir's latest checkpoint.") var resume = false
    @Option(help: "Stop after this many iterations (smoke runs); metrics and a final checkpoint are still written.") var maxIters: Int?
    @Option(help: "Override the config's seed.") var seed: Int?
    @Option(help: "Endpoint of an external `colad coordinator` (sets distributed.coordinator).") var coordinator: String?
    @Flag(help: "Write WORK_DIR/trace.json, a timeline of every rank's phases (sets monitor.trace; open it in Perfetto).") var trace = false

    func validate() throws {
        guard config != nil || (resume && workDir != nil) else {
            throw ValidationError("give --config FILE, or --resume --work-dir DIR to continue the run in DIR with its own DIR/config.yaml")
        }
    }

    /// --config, or the run's own resolved config when resuming without one.
    func configFile() throws -> String {
        if let config { return config }
        let file = URL(fileURLWithPath: workDir!).appendingPathComponent("config.yaml").path
        guard FileManager.default.fileExists(atPath: file) else {
            throw TrainingError("--resume --work-dir \(workDir!): no \(file)",
                                hint: "is \(workDir!) the work dir of a run? pass --config to name the config")
        }
        return file
    }

    func run() throws {
        var world: Communicator?
        do {
            var sets = overrides
            if let seed { sets.append("seed=\(seed)") }
            if let coordinator { sets.append("distributed.coordinator=\(coordinator)") }
            if trace { sets.append("monitor.trace=true") }
            if MPIRuntime.launchedByMPI { world = try MPIRuntime.start() }
            let loaded = Result { try TrainingConfig.load(file: configFile(), overrides: sets, requireFiles: true) }
            if let world, world.size > 1 { try reportStartupErrors(loaded, world) }
            let cfg = try loaded.get()
            let dir = URL(fileURLWithPath: workDir ?? cfg.workDir)
            if let world, world.size > 1 || cfg.distributed.coordinator != nil {
                let rank = world.rank
                let prefix = rank == 0 && cfg.distributed.coordinator == nil ? "" : "[rank \(rank)] "
                if rank == 0 { Console.standard.line(prefix + "blas: " + BLASKernels.summary) }
                do {
                    try DistributedJob.run(world: world, config: cfg, workDir: dir, resume: resume, stopAfter: maxIters,
                                           hooks: .init(coordinatorStarted: { nameDeadRankOnSIGTERM($0) },
                                                        replicaStarted: { nameLostCoordinatorOnSIGTERM($0) },
                                                        replicaMustEnd: { watch, reason in failNow("colad: \(watch.name): \(reason)") }),
                                           log: { Console.standard.line(prefix + $0) })
                } catch let e as RankFailure {
                    abortJob("colad: \(e)")
                } catch {
                    abortJob("colad: job failed: \(error)")
                }
                MPIRuntime.finish()
                return
            }
            Console.standard.line("blas: " + BLASKernels.summary)
            let trainer = try Trainer(config: cfg, workDir: dir)
            try trainer.run(resume: resume, stopAfter: maxIters)
            MPIRuntime.finish()
        } catch {
            if let world, world.size > 1 { abortJob("error: \(error)") }
            fail(error)
        }
    }
}

/// On the coordinator rank: when mpirun ends the job because a rank exited (it sends SIGTERM to
/// the others), print one line naming the rank, host and iteration, then end.
private func nameDeadRankOnSIGTERM(_ snapshot: CoordinatorSnapshot) {
    onSIGTERM { endOnSignal(snapshot.terminationLine()) }
}

/// On a replica: when mpirun ends the job because the coordinator's process ended, name it
/// (the coordinator cannot). Otherwise the coordinator names the cause: end quietly, but only
/// once it has ended (≤ 1 s). OpenMPI 4.1 waits 1 s between SIGTERM and SIGKILL, yet its wait
/// (glibc `sleep`, whose remainder rounds down) ends at the first child that exits; a replica
/// ending first would have the coordinator killed before it could print its line.
private func nameLostCoordinatorOnSIGTERM(_ watch: ReplicaWatch) {
    onSIGTERM {
        if let reason = watch.reasonToEnd(waiting: 0.3) { endOnSignal("colad: \(watch.name): \(reason); mpirun ended the job") }
        silenceFailureLines()
        watch.awaitJobEnd(within: 1)
        endOnSignal(nil)
    }
}

private func onSIGTERM(_ handler: @escaping @Sendable () -> Void) {
    signal(SIGTERM, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
    source.setEventHandler(handler: handler)
    source.resume()
    signalSources.append(source)
}

/// Keeps the signal sources alive for the process's lifetime.
nonisolated(unsafe) private var signalSources: [DispatchSourceSignal] = []

/// Under mpirun every rank loads the config; one report instead of one per rank: rank 0 prints
/// each distinct error once, naming the ranks and hosts when not all ranks share it (e.g. a
/// dataset path missing on one host), and every rank exits 1. Returns when no rank failed.
private func reportStartupErrors(_ loaded: Result<TrainingConfig, Error>, _ world: Communicator) throws {
    var local: String?
    if case .failure(let e) = loaded { local = "\(e)" }
    let errors = try world.gatherErrors(local)
    guard !errors.isEmpty else { return }
    if world.rank == 0 {
        var order: [String] = [], byMessage: [String: [(Int, String)]] = [:]
        for e in errors {
            if byMessage[e.message] == nil { order.append(e.message) }
            byMessage[e.message, default: []].append((e.rank, e.host))
        }
        for message in order {
            let ranks = byMessage[message]!
            let scope = ranks.count == world.size ? "" : " (rank\(ranks.count > 1 ? "s" : "") "
                + ranks.map { "\($0.0) on \($0.1)" }.joined(separator: ", ") + ")"
            FileHandle.standardError.write(Data("error\(scope): \(message)\n".utf8))
        }
    }
    MPIRuntime.finish()
    exitFailed()
}
