// Payloads of the runtime's messages (DESIGN.md §2–§3). Every message travels inside a
// Transport.Frame (magic, version, kind, job id, iteration, sender rank, length, CRC32);
// these are the payload encodings, little-endian, decoded with bounds checks.
import Config
import Distillation
import Engine
import Models
import PAA
import Transport

public enum MessageKind: UInt8, Sendable, CaseIterable {
    case hello = 1, welcome, stats, decision, assignment, costs, predictions, report, saved, evalResult
    case heartbeat, failure, abort, bye
    case statusRequest = 20, statusReply, controlRequest, controlReply
}

extension NetworkID {
    var byte: UInt8 { self == .a ? 0 : 1 }
    init(byte: UInt8) throws {
        switch byte { case 0: self = .a; case 1: self = .b; default: throw FrameRejection.malformedPayload }
    }
}

/// Worker → coordinator, once: who I am and where my pair inbox is.
struct Hello: Equatable {
    var network: NetworkID
    var groupRank: Int
    var host: String
    var pid: Int
    var inbox: String

    func encode() -> [UInt8] {
        var w = ByteWriter(); w.u8(network.byte); w.i64(groupRank); w.string(host); w.i64(pid); w.string(inbox); return w.bytes
    }
    static func decode(_ b: [UInt8]) throws -> Hello {
        var r = ByteReader(b)
        let h = Hello(network: try NetworkID(byte: r.u8()), groupRank: try r.i64(), host: try r.string(), pid: try r.i64(), inbox: try r.string())
        try r.finish(); return h
    }
}

/// Coordinator → worker: the job id is the frame's; where to start and stop.
struct Welcome: Equatable {
    var startIteration: Int
    var endIteration: Int
    /// Checkpoint directory to resume from ("" = none).
    var resumeFrom: String

    func encode() -> [UInt8] { var w = ByteWriter(); w.i64(startIteration); w.i64(endIteration); w.string(resumeFrom); return w.bytes }
    static func decode(_ b: [UInt8]) throws -> Welcome {
        var r = ByteReader(b)
        let m = Welcome(startIteration: try r.i64(), endIteration: try r.i64(), resumeFrom: try r.string())
        try r.finish(); return m
    }
}

extension ByteWriter {
    mutating func agg(_ a: AggregateStats) { i64(a.pairs); f64(a.sumMean); i64(a.stdPairs); f64(a.sumStd) }
}
extension ByteReader {
    mutating func agg() throws -> AggregateStats {
        var a = AggregateStats()
        a.pairs = try i64(); a.sumMean = try f64(); a.stdPairs = try i64(); a.sumStd = try f64()
        guard a.pairs >= 0, a.stdPairs >= 0 else { throw FrameRejection.malformedPayload }
        return a
    }
}

/// Worker → coordinator, per iteration: candidate-cost statistics of this rank's shard (SPEC §9
/// aggregates in sum form). Iteration granularity: only the sender's network's slot is set.
/// Object granularity: both slots and the (object, level) decision counts, computed identically
/// on both sides of the pair after the costs exchange.
struct Stats: Equatable {
    var a: AggregateStats?
    var b: AggregateStats?
    var pairs: Int
    var fromB: Int

    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u8(a == nil ? 0 : 1); if let a { w.agg(a) }
        w.u8(b == nil ? 0 : 1); if let b { w.agg(b) }
        w.i64(pairs); w.i64(fromB)
        return w.bytes
    }
    static func decode(_ bytes: [UInt8]) throws -> Stats {
        var r = ByteReader(bytes)
        let a = try r.u8() == 1 ? r.agg() : nil
        let b = try r.u8() == 1 ? r.agg() : nil
        let s = Stats(a: a, b: b, pairs: try r.i64(), fromB: try r.i64())
        try r.finish(); return s
    }
}

/// Coordinator → every worker, per iteration: who teaches, and what to do after the step.
struct Decision: Equatable {
    var teacher: Teacher?
    var evaluate: Bool
    var checkpoint: Bool
    var last: Bool

    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u8(teacher == .a ? 0 : teacher == .b ? 1 : 255)
        w.u8((evaluate ? 1 : 0) | (checkpoint ? 2 : 0) | (last ? 4 : 0))
        return w.bytes
    }
    static func decode(_ bytes: [UInt8]) throws -> Decision {
        var r = ByteReader(bytes)
        let t = try r.u8(), f = try r.u8()
        try r.finish()
        guard t <= 1 || t == 255, f < 8 else { throw FrameRejection.malformedPayload }
        return Decision(teacher: t == 0 ? .a : t == 1 ? .b : nil, evaluate: f & 1 != 0, checkpoint: f & 2 != 0, last: f & 4 != 0)
    }
}

/// Teacher side → peer: the per-anchor assignment of every image of the pair's shard
/// (-2 invalid, -1 background, ≥ 0 foreground of that object).
enum AssignmentMessage {
    static func encode(_ assignments: [Assignment]) -> [UInt8] {
        var w = ByteWriter(capacity: assignments.reduce(8) { $0 + 4 + 4 * $1.anchors.count })
        w.u32(UInt32(assignments.count))
        for a in assignments {
            w.i32s(a.anchors.map { s -> Int32 in
                switch s { case .invalid: return -2; case .background: return -1; case .foreground(let g): return Int32(g) }
            })
        }
        return w.bytes
    }
    /// Validates against the receiver's own view: image count, anchor count, object count and
    /// valid flags must match (pairs see the same images).
    static func decode(_ bytes: [UInt8], valid: [[Bool]], objects: [Int]) throws -> [Assignment] {
        var r = ByteReader(bytes)
        let n = Int(try r.u32())
        guard n == valid.count else { throw FrameRejection.malformedPayload }
        var out: [Assignment] = []
        for b in 0..<n {
            let states = try r.i32s()
            guard states.count == valid[b].count else { throw FrameRejection.malformedPayload }
            var anchors: [AnchorAssignment] = []
            anchors.reserveCapacity(states.count)
            for (j, s) in states.enumerated() {
                switch s {
                case -2: anchors.append(.invalid)
                case -1 where valid[b][j]: anchors.append(.background)
                case 0... where valid[b][j] && Int(s) < objects[b]: anchors.append(.foreground(object: Int(s)))
                default: throw FrameRejection.malformedPayload
                }
            }
            out.append(Assignment(anchors: anchors))
        }
        try r.finish()
        return out
    }
}

/// Pair ↔ pair (object granularity): one network's candidate costs per image.
enum CostsMessage {
    static func encode(_ costs: [[Float]]) -> [UInt8] {
        var w = ByteWriter(); w.u32(UInt32(costs.count)); for c in costs { w.f32s(c) }; return w.bytes
    }
    static func decode(_ bytes: [UInt8], counts: [Int]) throws -> [[Float]] {
        var r = ByteReader(bytes)
        guard Int(try r.u32()) == counts.count else { throw FrameRejection.malformedPayload }
        let out = try counts.map { n -> [Float] in
            let c = try r.f32s(); guard c.count == n else { throw FrameRejection.malformedPayload }; return c
        }
        try r.finish(); return out
    }
}

/// Teacher → student (soft, solad): the teacher's head outputs for the shard.
enum PredictionsMessage {
    static func encode(_ o: HeadOutputs) -> [UInt8] {
        var w = ByteWriter()
        for group in [o.cls, o.reg, o.iou] {
            w.u32(UInt32(group.count))
            for t in group { w.u32(UInt32(t.shape.count)); for d in t.shape { w.i64(d) }; w.f32s(t.data) }
        }
        return w.bytes
    }
    /// `like`: the receiver's own outputs; shapes must match exactly.
    static func decode(_ bytes: [UInt8], like: HeadOutputs) throws -> HeadOutputs {
        var r = ByteReader(bytes)
        var groups: [[Tensor]] = []
        for reference in [like.cls, like.reg, like.iou] {
            guard Int(try r.u32()) == reference.count else { throw FrameRejection.malformedPayload }
            var ts: [Tensor] = []
            for ref in reference {
                let nd = Int(try r.u32())
                guard nd == ref.shape.count else { throw FrameRejection.malformedPayload }
                let shape = try (0..<nd).map { _ in try r.i64() }
                let data = try r.f32s()
                guard shape == ref.shape, data.count == ref.data.count else { throw FrameRejection.malformedPayload }
                ts.append(Tensor(shape: shape, data: data))
            }
            groups.append(ts)
        }
        try r.finish()
        return HeadOutputs(cls: groups[0], reg: groups[1], iou: groups[2])
    }
}

/// Worker → coordinator after each step: this rank's loss parts (shares of the global batch
/// loss), timings and rejected-message counts.
struct Report: Equatable {
    var network: NetworkID
    var trained: Bool
    var cls = 0.0, box = 0.0, iou = 0.0
    var kd: [Double]? = nil
    var numPositives = 0
    var lr = 0.0
    var images = 0
    var epoch = 0
    var times: [String: Double] = [:]
    var rejected = RejectionCounters()

    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u8(network.byte); w.u8(trained ? 1 : 0); w.f64(cls); w.f64(box); w.f64(iou)
        w.u8(kd == nil ? 0 : 1); for v in kd ?? [] { w.f64(v) }
        w.i64(numPositives); w.f64(lr); w.i64(images); w.i64(epoch)
        w.u32(UInt32(times.count)); for (k, v) in times.sorted(by: { $0.key < $1.key }) { w.string(k); w.f64(v) }
        w.u32(UInt32(rejected.counts.count)); for (k, v) in rejected.counts.sorted(by: { $0.key < $1.key }) { w.string(k); w.i64(v) }
        return w.bytes
    }
    static func decode(_ bytes: [UInt8]) throws -> Report {
        var r = ByteReader(bytes, maxCount: 4096)
        var m = Report(network: try NetworkID(byte: r.u8()), trained: try r.u8() == 1)
        m.cls = try r.f64(); m.box = try r.f64(); m.iou = try r.f64()
        if try r.u8() == 1 { m.kd = [try r.f64(), try r.f64(), try r.f64()] }
        m.numPositives = try r.i64(); m.lr = try r.f64(); m.images = try r.i64(); m.epoch = try r.i64()
        let nt = Int(try r.u32()); guard nt < 64 else { throw FrameRejection.malformedPayload }
        for _ in 0..<nt { let k = try r.string(); m.times[k] = try r.f64() }
        let nr = Int(try r.u32()); guard nr < 64 else { throw FrameRejection.malformedPayload }
        for _ in 0..<nr { let k = try r.string(); m.rejected.counts[k] = try r.i64() }
        try r.finish(); return m
    }
}

/// Group rank 0 → coordinator: this network's checkpoint files are written.
struct Saved: Equatable {
    var network: NetworkID
    var optimizerSteps: Int
    var epoch: Int
    var iterationInEpoch: Int

    func encode() -> [UInt8] { var w = ByteWriter(); w.u8(network.byte); w.i64(optimizerSteps); w.i64(epoch); w.i64(iterationInEpoch); return w.bytes }
    static func decode(_ b: [UInt8]) throws -> Saved {
        var r = ByteReader(b)
        let s = Saved(network: try NetworkID(byte: r.u8()), optimizerSteps: try r.i64(), epoch: try r.i64(), iterationInEpoch: try r.i64())
        try r.finish(); return s
    }
}

/// A network and a JSON text (evaluation metrics), or just a text (failure, abort).
struct TextMessage: Equatable {
    var network: NetworkID?
    var text: String
    func encode() -> [UInt8] { var w = ByteWriter(); w.u8(network?.byte ?? 255); w.string(text); return w.bytes }
    static func decode(_ b: [UInt8]) throws -> TextMessage {
        var r = ByteReader(b)
        let n = try r.u8()
        let m = TextMessage(network: n == 255 ? nil : try NetworkID(byte: n), text: try r.string())
        try r.finish(); return m
    }
}

/// Worker heartbeat: what it is doing and at which iteration.
enum WorkerPhase: UInt8, Sendable {
    case starting, training, evaluating, checkpointing, finished
    var name: String { ["starting", "training", "evaluating", "checkpointing", "finished"][Int(rawValue)] }
}

struct Heartbeat: Equatable {
    var phase: WorkerPhase
    var iteration: Int
    func encode() -> [UInt8] { var w = ByteWriter(); w.u8(phase.rawValue); w.i64(iteration); return w.bytes }
    static func decode(_ b: [UInt8]) throws -> Heartbeat {
        var r = ByteReader(b)
        guard let p = WorkerPhase(rawValue: try r.u8()) else { throw FrameRejection.malformedPayload }
        let h = Heartbeat(phase: p, iteration: try r.i64())
        try r.finish(); return h
    }
}
