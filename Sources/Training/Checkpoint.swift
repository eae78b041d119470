// Checkpoints (DESIGN.md §5). One directory per saved iteration:
//   checkpoints/iter_0000400/
//     network-a.safetensors      weights (safetensors, OHWI conv weights)
//     optimizer-a.safetensors    SGD momentum buffer (same tensor names as the weights)
//     network-b.safetensors, optimizer-b.safetensors   (two-network modes)
//     state.json                 iteration, sampler position, RNG states, coordinator state
//     manifest.json              written last: every file with its byte size
//   checkpoints/latest           the name of the newest complete directory, switched by rename
// A directory without a manifest (a crash mid-save) is never pointed to and never loaded.
import Config
import Engine
import Foundation

/// Everything besides tensors that a resumed run needs to continue exactly.
public struct TrainingState: Codable, Equatable {
    /// Iterations completed.
    public var iteration: Int
    public var epoch: Int
    /// Iteration index inside the epoch where the next batch starts.
    public var iterationInEpoch: Int
    /// Optimizer step counts per network ("a", "b").
    public var optimizerSteps: [String: Int]
    /// Free-form RNG and coordinator state (e.g. CoLAD decision history).
    public var extra: [String: String]
    public var configHash: String
    /// The resolved config the run had (`resolvedYAML()`), so a refused resume can name the keys
    /// that differ; nil in checkpoints written before it was recorded.
    public var config: String?

    public init(iteration: Int, epoch: Int, iterationInEpoch: Int, optimizerSteps: [String: Int],
                extra: [String: String] = [:], configHash: String, config: String? = nil) {
        self.iteration = iteration; self.epoch = epoch; self.iterationInEpoch = iterationInEpoch
        self.optimizerSteps = optimizerSteps; self.extra = extra; self.configHash = configHash
        self.config = config
    }
}

public struct CheckpointManifest: Codable, Equatable {
    public var formatVersion: Int
    public var iteration: Int
    public var files: [String: Int]   // name → byte size
    public var created: String
}

public struct CheckpointError: Error, CustomStringConvertible {
    public var path: String
    public var problem: String
    public var hint: String
    public var description: String { "\(path): \(problem)\nhint: \(hint)" }
}

public enum Checkpoint {
    public static let formatVersion = 1

    public static func directoryName(_ iteration: Int) -> String { String(format: "iter_%07d", iteration) }

    /// Writes one network's weights and optimizer state into `dir` (atomically, file by file).
    public static func writeNetwork(_ tag: String, store: ParameterStore, optimizer: SGD?, to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try SafeTensors.write(store.namedTensors(), metadata: ["format": "colad", "conv_weight_layout": "OHWI", "network": tag],
                              to: dir.appendingPathComponent("network-\(tag).safetensors"))
        if let optimizer {
            var off = 0
            let momentum = store.parameters.map { p -> NamedTensor in
                defer { off += p.count }
                return NamedTensor(name: p.name, shape: p.shape, values: Array(optimizer.velocity[off..<(off + p.count)]))
            }
            try SafeTensors.write(momentum, metadata: ["format": "colad", "content": "sgd momentum", "network": tag],
                                  to: dir.appendingPathComponent("optimizer-\(tag).safetensors"))
        }
    }

    /// Writes state.json and then manifest.json (listing every file in `dir`), then switches
    /// `root/latest` to this directory by rename. Call after all networks are written.
    public static func commit(_ dir: URL, state: TrainingState, root: URL) throws {
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try enc.encode(state), to: dir.appendingPathComponent("state.json"))
        var files: [String: Int] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where !name.hasPrefix(".") && name != "manifest.json" {
            let attrs = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)
            files[name] = (attrs[.size] as? NSNumber)?.intValue ?? 0
        }
        let manifest = CheckpointManifest(formatVersion: formatVersion, iteration: state.iteration, files: files,
                                          created: ISO8601DateFormatter().string(from: Date()))
        try writeAtomically(try enc.encode(manifest), to: dir.appendingPathComponent("manifest.json"))
        try writeAtomically(Data((dir.lastPathComponent + "\n").utf8), to: root.appendingPathComponent("latest"))
    }

    /// The newest complete checkpoint directory under `root`, or nil if there is none.
    public static func latest(in root: URL) throws -> URL? {
        let pointer = root.appendingPathComponent("latest")
        guard let text = try? String(contentsOf: pointer, encoding: .utf8) else { return nil }
        let dir = root.appendingPathComponent(text.trimmingCharacters(in: .whitespacesAndNewlines))
        _ = try manifest(of: dir)
        return dir
    }

    /// Reads and verifies a checkpoint's manifest: every listed file exists with its size.
    public static func manifest(of dir: URL) throws -> CheckpointManifest {
        let url = dir.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url) else {
            throw CheckpointError(path: dir.path, problem: "no manifest.json (the checkpoint is incomplete)",
                                  hint: "the save was interrupted; use an earlier checkpoint directory")
        }
        let m: CheckpointManifest
        do { m = try JSONDecoder().decode(CheckpointManifest.self, from: data) }
        catch { throw CheckpointError(path: url.path, problem: "unreadable manifest: \(error)", hint: "the file is corrupt") }
        guard m.formatVersion == formatVersion else {
            throw CheckpointError(path: url.path, problem: "format version \(m.formatVersion), this colad reads \(formatVersion)",
                                  hint: "use the colad version that wrote it")
        }
        for (name, size) in m.files {
            let attrs = try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)
            let actual = (attrs?[.size] as? NSNumber)?.intValue
            guard actual == size else {
                throw CheckpointError(path: dir.appendingPathComponent(name).path,
                                      problem: actual == nil ? "missing" : "size \(actual!) bytes, manifest says \(size)",
                                      hint: "the checkpoint is damaged; use an earlier one")
            }
        }
        return m
    }

    public static func readState(_ dir: URL) throws -> TrainingState {
        let url = dir.appendingPathComponent("state.json")
        do { return try JSONDecoder().decode(TrainingState.self, from: Data(contentsOf: url)) }
        catch { throw CheckpointError(path: url.path, problem: "unreadable state: \(error)", hint: "the checkpoint is damaged") }
    }

    /// Loads a network's weights (and optimizer momentum when `optimizer` is given). All-or-nothing.
    public static func readNetwork(_ tag: String, from dir: URL, into store: ParameterStore, optimizer: SGD?, steps: Int) throws {
        let (weights, _) = try SafeTensors.read(dir.appendingPathComponent("network-\(tag).safetensors"))
        var velocity: [Float]? = nil
        if optimizer != nil {
            let url = dir.appendingPathComponent("optimizer-\(tag).safetensors")
            let (m, _) = try SafeTensors.read(url)
            let byName = Dictionary(m.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            var v: [Float] = []
            v.reserveCapacity(store.count)
            for p in store.parameters {
                guard let t = byName[p.name], t.values.count == p.count else {
                    throw CheckpointError(path: url.path, problem: "momentum for \(p.name) missing or mis-sized",
                                          hint: "the checkpoint was written by a different model preset")
                }
                v += t.values
            }
            velocity = v
        }
        try store.load(weights, file: dir.appendingPathComponent("network-\(tag).safetensors").path)
        if let optimizer, let velocity { try optimizer.restore(velocity: velocity, steps: steps) }
    }

    /// Removes `.NAME.tmp-PID-…` files (an atomic write cut short, e.g. of `latest` or of a
    /// network's weights by a kill) whose writing process is gone, in `root` and its checkpoint
    /// directories. Complete files are never touched.
    public static func removeStaleTemporaries(in root: URL) {
        let fm = FileManager.default
        let dirs = [root] + ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).filter { $0.hasPrefix("iter_") }.map(root.appendingPathComponent)
        for dir in dirs {
            for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix(".") {
                guard let r = name.range(of: ".tmp-"), let pid = Int32(name[r.upperBound...].split(separator: "-").first ?? ""),
                      pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
                try? fm.removeItem(at: dir.appendingPathComponent(name))
            }
        }
    }

    /// Removes all but the newest `keep` complete checkpoint directories (never `latest`).
    /// Incomplete directories (no manifest) older than `latest` are left by interrupted saves and
    /// never complete: they go too.
    public static func prune(_ root: URL, keep: Int) {
        guard keep > 0, let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return }
        let current = (try? String(contentsOf: root.appendingPathComponent("latest"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let dirs = names.filter { $0.hasPrefix("iter_") }.sorted()
        let complete = dirs.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("manifest.json").path) }
        let stale = dirs.filter { name in !complete.contains(name) && current.map { name < $0 } ?? false }
        for name in complete.dropLast(keep) + stale where name != current {
            try? FileManager.default.removeItem(at: root.appendingPathComponent(name))
        }
    }
}

/// Where a launch starts: iteration 0, or (`--resume`) after the latest complete checkpoint,
/// which must have been written with the same configuration. Both drivers start this way.
public struct LaunchStart: Equatable {
    public var iteration = 0
    public var checkpoint: URL?
    /// The CoLAD rule's decisions so far (status ratio, continued by a resumed run).
    public var history = TeacherHistory()

    public init() {}

    public static func find(resume: Bool, config: TrainingConfig, workDir: URL, log: (String) -> Void) throws -> LaunchStart {
        var start = LaunchStart()
        let root = workDir.appendingPathComponent("checkpoints")
        Checkpoint.removeStaleTemporaries(in: root)
        guard resume else { return start }
        guard let dir = try Checkpoint.latest(in: root) else {
            log("resume: no checkpoint in \(root.path); starting from scratch")
            return start
        }
        let state = try Checkpoint.readState(dir)
        guard state.configHash == config.hash else { throw refusal(dir, state, config: config, workDir: workDir) }
        start.iteration = state.iteration
        start.checkpoint = dir
        start.history = TeacherHistory(checkpointExtra: state.extra)
        log("resumed from \(dir.path) at iteration \(state.iteration)")
        return start
    }

    /// Why a resume is refused: every key whose value differs from the checkpoint's config
    /// (recorded in its state; for older checkpoints, the work dir's config.yaml, which a launch
    /// rewrites only once its resume is accepted).
    static func refusal(_ dir: URL, _ state: TrainingState, config: TrainingConfig, workDir: URL) -> TrainingError {
        let file = workDir.appendingPathComponent("config.yaml")
        let (recorded, source) = state.config.map { ($0, "checkpoint") }
            ?? ((try? String(contentsOf: file, encoding: .utf8)), "config.yaml")
        let changes = recorded.map { config.changes(since: $0, omitting: ["monitor"]) } ?? []
        let lines = changes.map { "  \($0.path): \($0.old ?? "(absent)") (\(source)) vs \($0.new ?? "(absent)") (now)" }
        let what = lines.isEmpty ? " (the keys that differ are not recorded; compare with \(file.path))"
            : ": \(lines.count) key\(lines.count == 1 ? "" : "s") differ\(lines.count == 1 ? "s" : "")\n" + lines.joined(separator: "\n")
        return TrainingError("resume: \(dir.path) was written with a different configuration" + what,
                             hint: "resume with the same config and --set values (`colad train --resume --work-dir \(workDir.path)` "
                                + "without --config uses the run's own config.yaml), or train into a new work dir")
    }
}

extension TrainingConfig {
    /// FNV-1a of the resolved YAML without `monitor` (what a run shows does not change its
    /// numbers, so a resumed run may turn tracing or TensorBoard on or off): a resumed run must
    /// have the same configuration.
    public var hash: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in resolvedYAML(omitting: ["monitor"]).utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return String(h, radix: 16)
    }
}

/// Opening a launch, the same for both drivers: the resolved config written to the work dir,
/// where the launch starts (resume), the ledger for its range and the journal for its files.
public struct Launch {
    public let start: LaunchStart
    public let ledger: Ledger
    public let journal: Journal

    public static func open(config: TrainingConfig, plan: ModePlan, topology: JobTopology, workDir: URL, resume: Bool, stopAfter: Int?,
                            jobId: String? = nil, log: @escaping (String) -> Void) throws -> Launch {
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        // A refused resume leaves the run's config.yaml as it was.
        let start = try LaunchStart.find(resume: resume, config: config, workDir: workDir, log: log)
        try writeAtomically(Data(config.resolvedYAML().utf8), to: workDir.appendingPathComponent("config.yaml"))
        let ledger = Ledger(config: config, plan: plan, topology: topology, start: start.iteration, stopAfter: stopAfter, history: start.history)
        let journal = try Journal(config: config, workDir: workDir, start: start.iteration, end: ledger.end, jobId: jobId, log: log)
        return Launch(start: start, ledger: ledger, journal: journal)
    }

    /// What every replica is told once all said hello.
    public func welcome(coordinatorHost: String) -> Welcome {
        Welcome(startIteration: start.iteration, endIteration: ledger.end, resumeFrom: start.checkpoint?.path, coordinatorHost: coordinatorHost)
    }
}
