// What replicas and the coordinator tell each other (DESIGN.md §2–§3), as values. The links
// carry them: in-process as they are, over ZeroMQ in Transport frames (Runtime's codecs).
import Config
import Detection
import Distillation
import Engine
import Models
import PAA

/// Replica → coordinator, once: who I am and where my pair inbox is.
public struct Hello: Equatable, Sendable {
    public var network: NetworkID
    public var groupRank: Int
    public var host: String
    public var pid: Int
    /// The pair inbox's endpoint as peers reach it ("" in-process).
    public var inbox: String
    public init(network: NetworkID, groupRank: Int, host: String, pid: Int, inbox: String) {
        self.network = network; self.groupRank = groupRank; self.host = host; self.pid = pid; self.inbox = inbox
    }
}

/// Coordinator → replica, once every replica said hello: the range to run.
public struct Welcome: Equatable, Sendable {
    public var startIteration: Int
    /// This launch ends after iteration endIteration − 1.
    public var endIteration: Int
    /// Checkpoint directory to restore from before the first iteration (resume).
    public var resumeFrom: String?
    /// The coordinator's host (for messages naming it).
    public var coordinatorHost: String
    public init(startIteration: Int, endIteration: Int, resumeFrom: String?, coordinatorHost: String = "") {
        self.startIteration = startIteration; self.endIteration = endIteration; self.resumeFrom = resumeFrom
        self.coordinatorHost = coordinatorHost
    }
}

/// Replica → coordinator, per iteration: candidate-cost statistics of this rank's shard, in
/// sum form (SPEC §9). Per-iteration rule: the sender's own slot. Per-object rule: both slots
/// and the counts of (object, level) sets and of those whose labels came from B, identical on
/// both sides of the pair (the coordinator reads network A's ranks). Otherwise empty.
public struct Stats: Equatable, Sendable {
    public var a: AggregateStats?
    public var b: AggregateStats?
    public var pairs: Int
    public var fromB: Int
    public init(a: AggregateStats? = nil, b: AggregateStats? = nil, pairs: Int = 0, fromB: Int = 0) {
        self.a = a; self.b = b; self.pairs = pairs; self.fromB = fromB
    }
}

/// Coordinator → every replica, per iteration: who teaches, and what to do after the step.
public struct Decision: Equatable, Sendable {
    /// The per-iteration rule's choice (nil when no rule decides per iteration).
    public var teacher: Teacher?
    public var evaluate: Bool
    public var checkpoint: Bool
    /// The launch ends after this iteration.
    public var last: Bool
    public init(teacher: Teacher?, evaluate: Bool, checkpoint: Bool, last: Bool) {
        self.teacher = teacher; self.evaluate = evaluate; self.checkpoint = checkpoint; self.last = last
    }
}

/// Replica → coordinator after each step.
public struct Report: Equatable, Sendable {
    public var network: NetworkID
    /// This rank's share of the loss; nil for a frozen network.
    public var record: NetworkRecord?
    public var images = 0
    public var epoch = 0
    /// Seconds per phase of this rank's iteration, and "total".
    public var times: [String: Double] = [:]
    /// Messages this rank rejected so far, by kind.
    public var rejected: [String: Int] = [:]
    /// This rank's resident memory after the step, MiB (0: unknown).
    public var residentMB: Double = 0
    public init(network: NetworkID, record: NetworkRecord?) { self.network = network; self.record = record }
}

/// A group's first rank → coordinator: this network's checkpoint files are written.
public struct Saved: Equatable, Sendable {
    public var network: NetworkID
    public var optimizerSteps: Int
    /// The sampler position of the next batch.
    public var epoch: Int
    public var iterationInEpoch: Int
    public init(network: NetworkID, optimizerSteps: Int, epoch: Int, iterationInEpoch: Int) {
        self.network = network; self.optimizerSteps = optimizerSteps; self.epoch = epoch; self.iterationInEpoch = iterationInEpoch
    }
}

/// A group's first rank → coordinator: the network's validation metrics (mmdet key names).
public struct EvalResult: Equatable, Sendable {
    public var network: NetworkID
    public var metrics: [String: Double]
    public var seconds: Double
    public init(network: NetworkID, metrics: [String: Double], seconds: Double) {
        self.network = network; self.metrics = metrics; self.seconds = seconds
    }
}

/// Everything a replica sends the coordinator.
public enum WorkerMessage: Equatable, Sendable {
    case stats(Stats)
    case report(Report)
    case saved(Saved)
    case evaluated(EvalResult)
    /// This rank cannot go on (the text names the cause).
    case failure(String)
    /// This rank finished its range.
    case bye
    /// monitor.trace: this rank's spans of one iteration (sent after its last phase).
    case spans([Span])
}

/// What a rank is doing (heartbeats, status).
public enum WorkerPhase: UInt8, Sendable {
    case starting, training, evaluating, checkpointing, finished
    public var name: String { ["starting", "training", "evaluating", "checkpointing", "finished"][Int(rawValue)] }
}

/// What crosses the pair channel: the teacher side's assignment and predictions, or (per-object
/// rule) each side's candidate costs.
public enum PairMessage {
    case assignment([Assignment])
    case predictions(HeadOutputs)
    case costs([[Float]])

    public enum Kind: String, CaseIterable, Sendable { case assignment, predictions, costs }

    public var kind: Kind {
        switch self {
        case .assignment: return .assignment
        case .predictions: return .predictions
        case .costs: return .costs
        }
    }
}

// MARK: Routing by image ranges
// With unequal groups a replica's images are held by several replicas of the other network
// (JobTopology.overlaps): what it sends is cut into the image ranges each of them holds, and
// what it receives is the concatenation, in image order, of what each of them sent.
extension PairMessage {
    /// Images in this message's batch.
    public var images: Int {
        switch self {
        case .assignment(let a): return a.count
        case .costs(let c): return c.count
        case .predictions(let p): return p.cls.first?.shape[0] ?? 0
        }
    }

    /// Images `range` of this message's batch (every payload is per image, images first).
    public func slice(_ range: Range<Int>) -> PairMessage {
        switch self {
        case .assignment(let a): return .assignment(Array(a[range]))
        case .costs(let c): return .costs(Array(c[range]))
        case .predictions(let p): return .predictions(p.images(range))
        }
    }

    /// The parts, one batch after another (all of one kind; nil when they are not, or none).
    public static func concatenate(_ parts: [PairMessage]) -> PairMessage? {
        guard let first = parts.first, parts.allSatisfy({ $0.kind == first.kind }) else { return nil }
        switch first {
        case .assignment:
            return .assignment(parts.flatMap { m -> [Assignment] in if case .assignment(let a) = m { return a }; return [] })
        case .costs:
            return .costs(parts.flatMap { m -> [[Float]] in if case .costs(let c) = m { return c }; return [] })
        case .predictions:
            let outputs = parts.compactMap { m -> HeadOutputs? in if case .predictions(let p) = m { return p }; return nil }
            return HeadOutputs.concatenate(outputs).map { .predictions($0) }
        }
    }
}

extension HeadOutputs {
    /// Images `range` of every level's [N, H, W, C] output.
    public func images(_ range: Range<Int>) -> HeadOutputs {
        func cut(_ t: Tensor) -> Tensor {
            precondition(range.upperBound <= t.shape[0], "HeadOutputs.images: \(range) of \(t.shape[0]) images")
            let per = t.count / max(t.shape[0], 1)
            return Tensor(shape: [range.count] + t.shape.dropFirst(), data: Array(t.data[(range.lowerBound * per)..<(range.upperBound * per)]))
        }
        return HeadOutputs(cls: cls.map(cut), reg: reg.map(cut), iou: iou.map(cut))
    }

    /// The batches one after another; nil when the parts' levels or per-image shapes differ.
    public static func concatenate(_ parts: [HeadOutputs]) -> HeadOutputs? {
        guard !parts.isEmpty else { return nil }
        func join(_ levels: [[Tensor]]) -> [Tensor]? {
            var out: [Tensor] = []
            for l in levels[0].indices {
                guard levels.allSatisfy({ $0.count == levels[0].count && Array($0[l].shape.dropFirst()) == Array(levels[0][l].shape.dropFirst()) }) else { return nil }
                out.append(Tensor(shape: [levels.map { $0[l].shape[0] }.reduce(0, +)] + levels[0][l].shape.dropFirst(), data: levels.flatMap { $0[l].data }))
            }
            return out
        }
        guard let cls = join(parts.map(\.cls)), let reg = join(parts.map(\.reg)), let iou = join(parts.map(\.iou)) else { return nil }
        return HeadOutputs(cls: cls, reg: reg, iou: iou)
    }
}
