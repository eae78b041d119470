// What a job leaves behind while it runs, for both drivers: the ledger's records, evaluations
// and checkpoint commits become metrics.jsonl lines (iteration order, the same format for one
// process and for many), the progress line, log lines, committed checkpoints (state.json,
// manifest, `latest`), and what `monitor` asks for: every metrics line's scalars in a
// TensorBoard event file (tags: ScalarTags), the ranks' spans in trace.json. It also
// remembers the latest values for status and the final summary.
import Config
import Engine
import Foundation
import TensorBoard

/// The latest evaluation of a network.
public struct EvalSummary: Equatable, Sendable {
    /// Iterations completed when it was evaluated.
    public var iteration: Int
    public var metrics: [String: Double]
    public var map: Double { metrics["bbox_mAP"] ?? .nan }
    public var ap50: Double { metrics["bbox_mAP_50"] ?? .nan }
    public var ap75: Double { metrics["bbox_mAP_75"] ?? .nan }
}

public final class Journal {
    public let config: TrainingConfig
    public let workDir: URL
    let metrics: MetricsLog
    let progress: ProgressReporter
    let log: (String) -> Void
    /// Recorded in each checkpoint's state (distributed jobs).
    let jobId: String?
    public private(set) var lastNetworks: [NetworkID: NetworkRecord] = [:]
    public private(set) var lastEval: [NetworkID: EvalSummary] = [:]
    public private(set) var lastCheckpoint: (iteration: Int, path: String, at: Date)?
    /// monitor.tensorboard: this launch's event file.
    public let events: EventFileWriter?
    /// monitor.trace: the launch's spans (written at each checkpoint and at the end).
    public let trace: TraceFile?
    var traceFull = false
    /// (time written, images, summed phase seconds) of the last ≤ 51 iteration lines.
    var recentLines: [(at: Date, images: Int, phaseSeconds: Double)] = []

    public var checkpointRoot: URL { workDir.appendingPathComponent("checkpoints") }

    /// Recent throughput: the median wall-clock interval between iteration lines (≤ 50), so an
    /// evaluation or a checkpoint does not distort it; before a second line, the first one's
    /// phase times; no rate (0, NaN) before any line.
    public var rate: (imagesPerSecond: Double, secondsPerIteration: Double) {
        guard let first = recentLines.first else { return (0, .nan) }
        var intervals = zip(recentLines.dropFirst(), recentLines).map { $0.at.timeIntervalSince($1.at) }
        if intervals.isEmpty { intervals = [first.phaseSeconds] }
        let seconds = SampleStatistics.median(intervals)
        let images = SampleStatistics.median(recentLines.map { Double($0.images) })
        return (images / max(seconds, 1e-9), seconds)
    }

    /// Opens metrics.jsonl for a launch starting at `start` (lines of later iterations, left by
    /// an interrupted run, are dropped: a resumed run rewrites its future).
    /// `end`: this launch stops after `end` iterations (the progress line's ETA counts to it).
    /// `console`: where the progress line goes; the journal's own log lines (evaluations,
    /// checkpoints) end that line first, whatever `log` writes to.
    public init(config: TrainingConfig, workDir: URL, start: Int, end: Int? = nil, jobId: String? = nil, console: Console = .standard,
                log: @escaping (String) -> Void) throws {
        self.config = config; self.workDir = workDir; self.jobId = jobId
        self.log = { line in console.endLine(); log(line) }
        metrics = try MetricsLog(url: workDir.appendingPathComponent("metrics.jsonl"), truncateAfterIteration: start)
        progress = ProgressReporter(total: config.train.iterations, end: end ?? config.train.iterations, logEvery: config.train.logEvery,
                                    console: console, log: log)
        if config.monitor.tensorboard {
            do {
                let w = try EventFileWriter(directory: workDir)
                // Steps from this launch's first on replace what earlier launches wrote there
                // (an interrupted run's lines past its checkpoint; a run started afresh).
                try w.sessionStart(step: start + 1, wallTime: Date().timeIntervalSince1970)
                events = w
            } catch {
                throw TrainingError("cannot start a TensorBoard event file in \(workDir.path): \(error)",
                                    hint: "check free space and permissions, or set monitor.tensorboard: false")
            }
        } else {
            events = nil
        }
        trace = config.monitor.trace
            ? TraceFile(url: workDir.appendingPathComponent("trace.json"), maxEvents: config.monitor.traceMaxEvents, origin: Date().timeIntervalSince1970)
            : nil
    }

    /// A metrics line's scalars into the event file.
    func scalars(_ line: [String: Any], step: Int, at now: Date) throws {
        guard let events else { return }
        do { try events.scalars(ScalarTags.scalars(line).map { ($0.tag, $0.value) }, step: step, wallTime: now.timeIntervalSince1970) } catch {
            throw TrainingError("cannot append to \(events.url.path): \(error)", hint: "check free space; the run stops with its last checkpoint intact")
        }
    }

    /// Keeps a rank's spans for trace.json (said once when the bound is reached).
    public func trace(_ spans: [Span], track: TraceFile.Track) {
        guard let trace, !trace.add(spans, track: track), !traceFull else { return }
        traceFull = true
        log("trace: \(trace.maxEvents) spans kept (monitor.trace_max_events); later spans are counted, not kept")
    }

    /// Writes trace.json now (a failure is logged: the trace must not stop the run).
    public func writeTrace() {
        guard let trace else { return }
        do { try trace.write() } catch { log("\(error)") }
    }

    /// The line that opens a launch (same wording for both drivers).
    public static func startLine(_ config: TrainingConfig, ledger: Ledger, workDir: URL) -> String {
        "training \(config.name) (\(config.mode.rawValue)) iterations \(ledger.start)..<\(ledger.end) of \(config.train.iterations), "
            + "global batch \(ledger.topology.globalBatch(batchSize: config.train.batchSize)), \(config.data.resizeDescription), work dir \(workDir.path)"
    }

    /// Applies one ledger output (decisions are the transport's business and are ignored here).
    public func write(_ event: LedgerEvent, at now: Date = Date()) throws {
        switch event {
        case .decision:
            break
        case .record(let rec):
            for (id, n) in rec.networks { lastNetworks[id] = n }
            recentLines.append((now, rec.images, rec.times.values.reduce(0, +)))
            if recentLines.count > 51 { recentLines.removeFirst() }
            var line = rec.jsonObject()
            line["wall_time"] = now.timeIntervalSince1970
            line["images_per_s"] = rate.imagesPerSecond
            // The job's largest process: this one (the coordinator, or the single process) or a rank.
            let own = ProcessMemory.residentBytes().map { Double($0) / 1_048_576 } ?? 0
            if max(own, rec.residentMB) > 0 { line["rss_mb"] = max(own, rec.residentMB) }
            try metrics.append(line)
            try scalars(line, step: rec.iteration + 1, at: now)
            progress.update(rec, rate: rate)
        case .evaluation(let t, let e):
            var line: [String: Any] = ["iteration": t + 1, "eval": e.network.rawValue, "wall_time": now.timeIntervalSince1970]
            for (k, v) in e.metrics { line[k] = v }
            try metrics.append(line)
            try scalars(line, step: t + 1, at: now)
            let m = e.metrics
            lastEval[e.network] = EvalSummary(iteration: t + 1, metrics: m)
            log(String(format: "eval %@ @%d: mAP %.4f  AP50 %.4f  AP75 %.4f  (APs %.3f APm %.3f APl %.3f) in %.1f s",
                       e.network.rawValue, t + 1, m["bbox_mAP"] ?? .nan, m["bbox_mAP_50"] ?? .nan, m["bbox_mAP_75"] ?? .nan,
                       m["bbox_mAP_s"] ?? .nan, m["bbox_mAP_m"] ?? .nan, m["bbox_mAP_l"] ?? .nan, e.seconds))
        case .checkpoint(let iteration, let saved, let history):
            try commit(iteration, saved, history)
        }
    }

    func commit(_ iteration: Int, _ saved: [NetworkID: Saved], _ history: TeacherHistory) throws {
        let dir = checkpointRoot.appendingPathComponent(Checkpoint.directoryName(iteration))
        guard let any = saved.values.first else { preconditionFailure("Journal: a checkpoint without networks") }
        var extra = history.checkpointExtra
        if let jobId { extra["job_id"] = jobId }
        let state = TrainingState(iteration: iteration, epoch: any.epoch, iterationInEpoch: any.iterationInEpoch,
                                  optimizerSteps: Dictionary(uniqueKeysWithValues: saved.map { ($0.key.rawValue, $0.value.optimizerSteps) }),
                                  extra: extra, configHash: config.hash, config: config.resolvedYAML())
        do { try Checkpoint.commit(dir, state: state, root: checkpointRoot) } catch {
            throw TrainingError("could not commit checkpoint \(dir.path) after iteration \(iteration): \(error)",
                                hint: "check free space and permissions of \(checkpointRoot.path); the previous checkpoint is intact")
        }
        if let keep = config.train.keepCheckpoints { Checkpoint.prune(checkpointRoot, keep: keep) }
        lastCheckpoint = (iteration, dir.path, Date())
        log("checkpoint \(dir.path)")
        writeTrace()
    }

    /// Ends the progress line; returns one line per evaluated network with its last mAP.
    public func finish() -> [String] {
        progress.finish()
        events?.close()
        writeTrace()
        if let trace { log("trace: \(trace.url.path) (\(trace.count) spans\(trace.dropped > 0 ? ", \(trace.dropped) dropped" : ""))") }
        return lastEval.sorted { $0.key.rawValue < $1.key.rawValue }.map { id, e in
            String(format: "final %@ (%@): mAP %.4f  AP50 %.4f  AP75 %.4f at iteration %d",
                   id.rawValue, config.network(id)?.label ?? "custom", e.map, e.ap50, e.ap75, e.iteration)
        }
    }
}
