// What an iteration produced, as written to metrics.jsonl (one line per iteration, the same
// format for the single-process and the distributed driver) and shown by status.
import Config
import Distillation
import Foundation

/// Soft-label loss parts (SPEC §8) of the soft and solad students.
public struct KDParts: Equatable, Sendable {
    public var cls, iou, box: Double
    public init(cls: Double, iou: Double, box: Double) { self.cls = cls; self.iou = iou; self.box = box }
}

/// One network's losses in one iteration. A rank's record is its share of the global batch's
/// loss (group-global normalisers); the iteration's record is the sum over the group's ranks.
public struct NetworkRecord: Equatable, Sendable {
    public var cls, box, iou: Double
    /// Soft-label parts in the soft/solad modes.
    public var kd: KDParts? = nil
    public var numPositives: Int
    public var lr: Float
    public var total: Double { cls + box + iou + (kd.map { $0.cls + $0.iou + $0.box } ?? 0) }

    public init(cls: Double = 0, box: Double = 0, iou: Double = 0, kd: KDParts? = nil, numPositives: Int = 0, lr: Float = 0) {
        self.cls = cls; self.box = box; self.iou = iou; self.kd = kd; self.numPositives = numPositives; self.lr = lr
    }

    /// Adds one rank's share (in group-rank order, so the sum is deterministic).
    public mutating func add(_ share: NetworkRecord) {
        cls += share.cls; box += share.box; iou += share.iou; numPositives += share.numPositives; lr = share.lr
        if let k = share.kd { kd = KDParts(cls: (kd?.cls ?? 0) + k.cls, iou: (kd?.iou ?? 0) + k.iou, box: (kd?.box ?? 0) + k.box) }
    }
}

/// What the CoLAD rule saw and decided in one iteration.
public struct DecisionRecord: Equatable, Sendable {
    /// Statistics of A ("s_*", SPEC §9's student slot) and B ("t_*", teacher slot), pooled over
    /// the global batch's (object, level) candidate sets.
    public var a: AggregateStats
    public var b: AggregateStats
    /// Iteration granularity: the teacher. Object granularity: nil (labels mixed; see the ratio).
    public var teacher: Teacher?
    /// Fraction of (object, level) sets whose labels came from B's costs.
    public var teacherBRatio: Double

    public init(a: AggregateStats, b: AggregateStats, teacher: Teacher?, teacherBRatio: Double) {
        self.a = a; self.b = b; self.teacher = teacher; self.teacherBRatio = teacherBRatio
    }
}

/// One iteration of the whole job.
public struct IterationRecord: Equatable, Sendable {
    public var iteration: Int
    /// The trained networks' records (sums over each group's ranks).
    public var networks: [NetworkID: NetworkRecord] = [:]
    /// Present when the mode applies the CoLAD rule.
    public var decision: DecisionRecord?
    /// Seconds per phase (data, forward, assign, pair, coordinator_wait, loss_backward,
    /// allreduce, step), of the slowest rank in each phase.
    public var times: [String: Double] = [:]
    /// Images of the global batch.
    public var images: Int = 0
    /// The largest resident memory of the job's ranks after this iteration, MiB (0: unknown).
    public var residentMB: Double = 0

    public init(iteration: Int) { self.iteration = iteration }

    /// The metrics.jsonl line; its `iteration` counts the iterations completed (this one
    /// included), the number the console, `colad status`, checkpoints and TensorBoard show.
    public func jsonObject() -> [String: Any] {
        var out: [String: Any] = ["iteration": iteration + 1, "images": images, "time": times]
        for (id, n) in networks {
            var net: [String: Any] = ["cls": n.cls, "box": n.box, "iou": n.iou, "total": n.total, "num_pos": n.numPositives, "lr": Double(n.lr)]
            if let kd = n.kd { net["kd_cls"] = kd.cls; net["kd_iou"] = kd.iou; net["kd_box"] = kd.box }
            out[id.rawValue] = net
        }
        if let d = decision {
            out["teacher"] = d.teacher?.rawValue ?? "mixed"
            out["t_ratio"] = d.teacherBRatio
            out["s_mean"] = d.a.mean ?? NSNull(); out["s_std"] = d.a.std ?? NSNull()
            out["t_mean"] = d.b.mean ?? NSNull(); out["t_std"] = d.b.std ?? NSNull()
        }
        return out
    }
}
