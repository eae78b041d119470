// The single-process training driver (the "single-process reference" of DESIGN.md §1):
// every role in one process, both networks (when there are two) on the same batch.
// Per iteration: data → forward → assignment → losses + backward → optimizer step, with
// metrics, periodic evaluation, checkpoints, resume and a NaN/inf guard.
import Config
import Datasets
import Detection
import Distillation
import Engine
import Evaluation
import Foundation
import Models
import PAA

public struct KDParts: Equatable {
    public var cls, iou, box: Double
    public init(cls: Double, iou: Double, box: Double) { self.cls = cls; self.iou = iou; self.box = box }
}

/// One iteration's outcome for one network.
public struct NetworkRecord: Equatable {
    public var cls, box, iou: Double
    /// Soft-label parts (cls, iou, box) in the soft/solad modes.
    public var kd: KDParts? = nil
    public var total: Double { cls + box + iou + (kd.map { $0.cls + $0.iou + $0.box } ?? 0) }
    public var numPositives: Int
    public var lr: Float

    public init(cls: Double, box: Double, iou: Double, kd: KDParts? = nil, numPositives: Int, lr: Float) {
        self.cls = cls; self.box = box; self.iou = iou; self.kd = kd; self.numPositives = numPositives; self.lr = lr
    }
}

public struct IterationRecord {
    public var iteration: Int
    public var networks: [NetworkID: NetworkRecord] = [:]
    public var decision: DecisionRecord?
    /// The assignment every trained network learned from this iteration.
    public var assignments: [Assignment] = []
    /// Seconds per phase: data, forward, assign, loss (includes backward), step.
    public var times: [String: Double] = [:]
    public var images: Int = 0

    public init(iteration: Int) { self.iteration = iteration }
}

public final class Trainer {
    public let config: TrainingConfig
    public let workDir: URL
    public let layout: AnchorLayout
    public let workers: [NetworkID: NetworkWorker]
    public let feed: DataFeed
    public private(set) var iteration = 0
    let step: AssignmentStep
    let lossStep: LossStep
    let rule: TeacherRule
    let log: (String) -> Void
    public private(set) var lastMetrics: [NetworkID: COCOMetrics] = [:]
    private var evaluatorCache: Evaluator?
    /// The validation evaluator, built on first use (it renders the whole val split once).
    func evaluator() throws -> Evaluator {
        if let e = evaluatorCache { return e }
        let e = try Evaluator(dataset: openDataset(config.data, split: .val), config: config, layout: layout)
        evaluatorCache = e
        return e
    }

    public var checkpointRoot: URL { workDir.appendingPathComponent("checkpoints") }

    /// Networks updated by the optimizer: the config's, minus `freeze`.
    public let trainedNetworks: [NetworkID]

    /// `freeze` keeps a network that the mode would train fixed (inference behaviour, no
    /// updates); used to check CoLAD with a fixed, frozen teacher against LAD.
    public init(config: TrainingConfig, workDir: URL? = nil, freeze: Set<NetworkID> = [],
                log: @escaping (String) -> Void = { print($0) }) throws {
        self.config = config
        self.workDir = workDir ?? URL(fileURLWithPath: config.workDir)
        self.log = log
        let train = try openDataset(config.data, split: .train)
        layout = AnchorLayout(config)
        step = AssignmentStep(layout: layout, assigner: PAAAssigner(layout: layout))
        lossStep = LossStep(config: config, layout: layout)
        rule = TeacherRule(config.colad)
        var w: [NetworkID: NetworkWorker] = [:]
        for id in config.networks {
            w[id] = try NetworkWorker(id: id, config: config.network(id)!, numClasses: train.classNames.count, seed: config.seed,
                                      train: config.train, frozen: config.mode.frozenTeacher == id || freeze.contains(id))
        }
        trainedNetworks = config.trainedNetworks.filter { !freeze.contains($0) }
        workers = w
        feed = try DataFeed(dataset: train, config: config)
    }

    // MARK: One iteration

    public func runIteration() throws -> IterationRecord {
        var rec = IterationRecord(iteration: iteration)
        var t = now()
        func lap(_ name: String) { let n = now(); rec.times[name, default: 0] += Double(n - t) / 1e9; t = n }
        let batch = try feed.next()
        rec.images = batch.count
        let images = Tensor(shape: [batch.count, batch.size, batch.size, 3], data: batch.images)
        let targets = BatchTargets(batch, layout: layout)
        lap("data")
        for id in config.networks { workers[id]!.forward(images) }
        lap("forward")
        let pre = step.preassign(targets)
        var assignments: [Assignment] = []
        switch config.mode {
        case .soft:
            break // no hard labels: the student learns from the teacher's outputs only
        case .baseline, .lad, .solad:
            let teacher = workers[.a]!
            assignments = step.finalize(pre, costs: teacher.costs(pre, assigner: step.assigner, layout: layout))
        case .colad:
            let (a, b) = (workers[.a]!, workers[.b]!)
            let (asg, decision) = step.coLAD(pre, costsA: a.costs(pre, assigner: step.assigner, layout: layout),
                                             costsB: b.costs(pre, assigner: step.assigner, layout: layout),
                                             rule: rule, granularity: config.colad.granularity)
            assignments = asg
            rec.decision = decision
        }
        rec.assignments = assignments
        lap("assign")
        for id in trainedNetworks {
            let (record, parts) = try lossStep.run(workers[id]!, teacher: lossStep.usesTeacherOutputs(id) ? workers[.a]!.outputs : nil,
                                                   assignments: assignments, targets: targets)
            try LossStep.requireFinite(parts, iteration: iteration, network: id.rawValue, checkpoints: checkpointRoot.path)
            rec.networks[id] = record
        }
        lap("loss_backward")
        for id in trainedNetworks { rec.networks[id]!.lr = workers[id]!.step(iteration: iteration) }
        for id in config.networks { workers[id]!.finishIteration() }
        lap("step")
        iteration += 1
        return rec
    }

    // MARK: The loop

    /// Trains until `config.train.iterations` (or `stopAfter` more iterations), evaluating and
    /// checkpointing on schedule; always writes metrics and a final checkpoint.
    public func run(resume: Bool, stopAfter: Int? = nil) throws {
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        try writeAtomically(Data(config.resolvedYAML().utf8), to: workDir.appendingPathComponent("config.yaml"))
        if resume { try restore() }
        let metrics = try MetricsLog(url: workDir.appendingPathComponent("metrics.jsonl"), truncateAfterIteration: iteration - 1)
        let total = config.train.iterations
        let end = min(total, stopAfter.map { iteration + $0 } ?? total)
        log("training \(config.name) (\(config.mode.rawValue)) iterations \(iteration)..<\(end) of \(total), "
            + "batch \(config.train.batchSize), work dir \(workDir.path)")
        let progress = ProgressReporter(total: total, logEvery: config.train.logEvery, log: log)
        while iteration < end {
            let rec = try runIteration()
            metrics.append(record(rec))
            progress.update(rec)
            let done = iteration
            if let every = config.train.evalEvery, done % every == 0, done < total { try evaluate(metrics) }
            if let every = config.train.checkpointEvery, done % every == 0, done < end { try saveCheckpoint() }
        }
        progress.finish()
        if iteration >= total { try evaluate(metrics) }
        try saveCheckpoint()
    }

    func record(_ r: IterationRecord) -> [String: Any] { r.jsonObject() }

    /// Evaluates the configured network(s) on val and appends the metrics.
    public func evaluate(_ metrics: MetricsLog? = nil) throws {
        let evaluator = try evaluator()
        for id in config.eval.network.ids where workers[id] != nil {
            let t0 = now()
            let (m, _) = try evaluator.evaluate(workers[id]!.network)
            lastMetrics[id] = m
            log(String(format: "eval %@ @%d: mAP %.4f  AP50 %.4f  AP75 %.4f  (APs %.3f APm %.3f APl %.3f) in %.1f s",
                       id.rawValue, iteration, m.ap, m.ap50, m.ap75, m.apSmall, m.apMedium, m.apLarge, Double(now() - t0) / 1e9))
            var rec: [String: Any] = ["iteration": iteration - 1, "eval": id.rawValue]
            for (k, v) in m.mmdetDictionary() { rec[k] = v }
            metrics?.append(rec)
        }
    }

    // MARK: Checkpoints

    public func saveCheckpoint() throws {
        let dir = checkpointRoot.appendingPathComponent(Checkpoint.directoryName(iteration))
        for id in trainedNetworks {
            try Checkpoint.writeNetwork(id.rawValue, store: workers[id]!.network.store, optimizer: workers[id]!.optimizer, to: dir)
        }
        var steps: [String: Int] = [:]
        for id in trainedNetworks { steps[id.rawValue] = workers[id]!.optimizer?.steps ?? 0 }
        let state = TrainingState(iteration: iteration, epoch: feed.position.epoch, iterationInEpoch: feed.position.iteration,
                                  optimizerSteps: steps, configHash: config.hash)
        try Checkpoint.commit(dir, state: state, root: checkpointRoot)
        if let keep = config.train.keepCheckpoints { Checkpoint.prune(checkpointRoot, keep: keep) }
        log("checkpoint \(dir.path)")
    }

    func restore() throws {
        guard let (dir, state) = try Checkpoint.resumePoint(root: checkpointRoot, config: config, workDir: workDir, log: log) else { return }
        for id in trainedNetworks {
            try Checkpoint.readNetwork(id.rawValue, from: dir, into: workers[id]!.network.store, optimizer: workers[id]!.optimizer,
                                       steps: state.optimizerSteps[id.rawValue] ?? 0)
        }
        iteration = state.iteration
        feed.seek(SamplerPosition(epoch: state.epoch, iteration: state.iterationInEpoch))
        log("resumed from \(dir.path) at iteration \(iteration)")
    }
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

extension IterationRecord {
    /// The metrics.jsonl line of this iteration (same format single-process and distributed).
    public func jsonObject() -> [String: Any] {
        let r = self
        var out: [String: Any] = ["iteration": r.iteration, "images": r.images, "time": r.times]
        for (id, n) in r.networks {
            var net: [String: Any] = ["cls": n.cls, "box": n.box, "iou": n.iou, "total": n.total, "num_pos": n.numPositives, "lr": Double(n.lr)]
            if let kd = n.kd { net["kd_cls"] = kd.cls; net["kd_iou"] = kd.iou; net["kd_box"] = kd.box }
            out[id.rawValue] = net
        }
        if let d = r.decision {
            out["teacher"] = d.teacher?.rawValue ?? "mixed"
            out["t_ratio"] = d.teacherBRatio
            out["s_mean"] = d.a.mean ?? NSNull(); out["s_std"] = d.a.std ?? NSNull()
            out["t_mean"] = d.b.mean ?? NSNull(); out["t_std"] = d.b.std ?? NSNull()
        }
        return out
    }
}

extension TrainingConfig {
    /// FNV-1a of the resolved YAML: a resumed run must have the same configuration.
    public var hash: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in resolvedYAML().utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return String(h, radix: 16)
    }
}
