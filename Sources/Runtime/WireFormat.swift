// The runtime's messages on the wire (DESIGN.md §3): each travels in a Transport.Frame (magic,
// version, kind, job id, iteration, sender rank, length, CRC32); these are the payloads,
// little-endian, decoded with bounds checks. Decoding checks structure only (counts, ranges);
// whether a pair message fits the receiver's own images is the replica's check.
import Config
import Distillation
import Engine
import Models
import PAA
import Training
import Transport

public enum MessageKind: UInt8, Sendable, CaseIterable {
    case hello = 1, welcome, stats, decision, assignment, costs, predictions, report, saved, evalResult
    case heartbeat, failure, abort, bye, spans
    case statusRequest = 20, statusReply, controlRequest, controlReply
}

extension NetworkID {
    var byte: UInt8 { self == .a ? 0 : 1 }
    init(byte: UInt8) throws {
        switch byte { case 0: self = .a; case 1: self = .b; default: throw FrameRejection.malformedPayload }
    }
}

extension ByteWriter {
    mutating func agg(_ a: AggregateStats?) {
        u8(a == nil ? 0 : 1)
        if let a { i64(a.pairs); f64(a.sumMean); i64(a.stdPairs); f64(a.sumStd) }
    }
    mutating func counts(_ c: [String: Int]) {
        u32(UInt32(c.count)); for (k, v) in c.sorted(by: { $0.key < $1.key }) { string(k); i64(v) }
    }
    mutating func numbers(_ c: [String: Double]) {
        u32(UInt32(c.count)); for (k, v) in c.sorted(by: { $0.key < $1.key }) { string(k); f64(v) }
    }
}

extension ByteReader {
    mutating func agg() throws -> AggregateStats? {
        guard try u8() == 1 else { return nil }
        var a = AggregateStats()
        a.pairs = try i64(); a.sumMean = try f64(); a.stdPairs = try i64(); a.sumStd = try f64()
        guard a.pairs >= 0, a.stdPairs >= 0 else { throw FrameRejection.malformedPayload }
        return a
    }
    mutating func counts(max: Int) throws -> [String: Int] {
        let n = Int(try u32()); guard n <= max else { throw FrameRejection.malformedPayload }
        var out: [String: Int] = [:]
        for _ in 0..<n { let k = try string(); out[k] = try i64() }
        return out
    }
    mutating func numbers(max: Int) throws -> [String: Double] {
        let n = Int(try u32()); guard n <= max else { throw FrameRejection.malformedPayload }
        var out: [String: Double] = [:]
        for _ in 0..<n { let k = try string(); out[k] = try f64() }
        return out
    }
}

// MARK: Replica ↔ coordinator

extension Hello {
    func encode() -> [UInt8] {
        var w = ByteWriter(); w.u8(network.byte); w.i64(groupRank); w.string(host); w.i64(pid); w.string(inbox); return w.bytes
    }
    static func decode(_ b: [UInt8]) throws -> Hello {
        var r = ByteReader(b)
        let h = Hello(network: try NetworkID(byte: r.u8()), groupRank: try r.i64(), host: try r.string(), pid: try r.i64(), inbox: try r.string())
        try r.finish(); return h
    }
}

extension Welcome {
    func encode() -> [UInt8] {
        var w = ByteWriter(); w.i64(startIteration); w.i64(endIteration); w.string(resumeFrom ?? ""); w.string(coordinatorHost); return w.bytes
    }
    static func decode(_ b: [UInt8]) throws -> Welcome {
        var r = ByteReader(b)
        let start = try r.i64(), end = try r.i64(), dir = try r.string(), host = try r.string()
        try r.finish()
        return Welcome(startIteration: start, endIteration: end, resumeFrom: dir.isEmpty ? nil : dir, coordinatorHost: host)
    }
}

extension Stats {
    func encode() -> [UInt8] { var w = ByteWriter(); w.agg(a); w.agg(b); w.i64(pairs); w.i64(fromB); return w.bytes }
    static func decode(_ bytes: [UInt8]) throws -> Stats {
        var r = ByteReader(bytes)
        let s = Stats(a: try r.agg(), b: try r.agg(), pairs: try r.i64(), fromB: try r.i64())
        try r.finish()
        guard s.pairs >= 0, s.fromB >= 0, s.fromB <= s.pairs else { throw FrameRejection.malformedPayload }
        return s
    }
}

extension Decision {
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

extension Report {
    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u8(network.byte)
        w.u8(record == nil ? 0 : 1)
        if let n = record {
            w.f64(n.cls); w.f64(n.box); w.f64(n.iou); w.i64(n.numPositives); w.f64(Double(n.lr))
            w.u8(n.kd == nil ? 0 : 1)
            if let k = n.kd { w.f64(k.cls); w.f64(k.iou); w.f64(k.box) }
        }
        w.i64(images); w.i64(epoch)
        w.numbers(times); w.counts(rejected); w.f64(residentMB)
        return w.bytes
    }
    static func decode(_ bytes: [UInt8]) throws -> Report {
        var r = ByteReader(bytes, maxCount: 4096)
        var m = Report(network: try NetworkID(byte: r.u8()), record: nil)
        if try r.u8() == 1 {
            var n = NetworkRecord(cls: try r.f64(), box: try r.f64(), iou: try r.f64(), numPositives: try r.i64(), lr: Float(try r.f64()))
            if try r.u8() == 1 { n.kd = KDParts(cls: try r.f64(), iou: try r.f64(), box: try r.f64()) }
            m.record = n
        }
        m.images = try r.i64(); m.epoch = try r.i64()
        m.times = try r.numbers(max: 64); m.rejected = try r.counts(max: 64)
        m.residentMB = try r.f64()
        guard m.residentMB.isFinite, m.residentMB >= 0 else { throw FrameRejection.malformedPayload }
        try r.finish(); return m
    }
}

extension Saved {
    func encode() -> [UInt8] { var w = ByteWriter(); w.u8(network.byte); w.i64(optimizerSteps); w.i64(epoch); w.i64(iterationInEpoch); return w.bytes }
    static func decode(_ b: [UInt8]) throws -> Saved {
        var r = ByteReader(b)
        let s = Saved(network: try NetworkID(byte: r.u8()), optimizerSteps: try r.i64(), epoch: try r.i64(), iterationInEpoch: try r.i64())
        try r.finish(); return s
    }
}

extension EvalResult {
    func encode() -> [UInt8] { var w = ByteWriter(); w.u8(network.byte); w.f64(seconds); w.numbers(metrics); return w.bytes }
    static func decode(_ b: [UInt8]) throws -> EvalResult {
        var r = ByteReader(b)
        let net = try NetworkID(byte: r.u8()), seconds = try r.f64()
        let e = EvalResult(network: net, metrics: try r.numbers(max: 4096), seconds: seconds)
        try r.finish(); return e
    }
}

/// A rank's spans of one iteration: count, then (name, start, seconds, iteration) each.
enum SpanList {
    static let maxSpans = 4096
    static func encode(_ spans: [Span]) -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(spans.count))
        for s in spans { w.string(s.name); w.f64(s.start); w.f64(s.seconds); w.i64(s.iteration) }
        return w.bytes
    }
    static func decode(_ b: [UInt8]) throws -> [Span] {
        var r = ByteReader(b, maxCount: 256)
        let n = Int(try r.u32())
        guard n <= maxSpans else { throw FrameRejection.malformedPayload }
        var out: [Span] = []
        for _ in 0..<n {
            let s = Span(name: try r.string(), start: try r.f64(), seconds: try r.f64(), iteration: try r.i64())
            guard s.start.isFinite, s.seconds.isFinite, s.seconds >= 0 else { throw FrameRejection.malformedPayload }
            out.append(s)
        }
        try r.finish(); return out
    }
}

/// A failure or abort reason (UTF-8).
enum TextPayload {
    static func encode(_ s: String) -> [UInt8] { var w = ByteWriter(); w.string(s); return w.bytes }
    static func decode(_ b: [UInt8]) throws -> String { var r = ByteReader(b); let s = try r.string(); try r.finish(); return s }
}

extension WorkerMessage {
    /// The frame kind and payload.
    var wire: (MessageKind, [UInt8]) {
        switch self {
        case .stats(let s): return (.stats, s.encode())
        case .report(let r): return (.report, r.encode())
        case .saved(let s): return (.saved, s.encode())
        case .evaluated(let e): return (.evalResult, e.encode())
        case .failure(let text): return (.failure, TextPayload.encode(text))
        case .bye: return (.bye, [])
        case .spans(let s): return (.spans, SpanList.encode(s))
        }
    }

    init(kind: MessageKind, payload: [UInt8]) throws {
        switch kind {
        case .stats: self = .stats(try Stats.decode(payload))
        case .report: self = .report(try Report.decode(payload))
        case .saved: self = .saved(try Saved.decode(payload))
        case .evalResult: self = .evaluated(try EvalResult.decode(payload))
        case .failure: self = .failure(try TextPayload.decode(payload))
        case .bye:
            guard payload.isEmpty else { throw FrameRejection.malformedPayload }
            self = .bye
        case .spans: self = .spans(try SpanList.decode(payload))
        default: throw FrameRejection.unexpected
        }
    }
}

/// Worker heartbeat: what it is doing and at which iteration.
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

// MARK: Pair channel

extension PairMessage.Kind {
    var wire: MessageKind {
        switch self {
        case .assignment: return .assignment
        case .predictions: return .predictions
        case .costs: return .costs
        }
    }
    init?(wire: MessageKind) {
        switch wire {
        case .assignment: self = .assignment
        case .predictions: self = .predictions
        case .costs: self = .costs
        default: return nil
        }
    }
}

extension PairMessage {
    /// Assignments as per-anchor states (−2 invalid, −1 background, ≥ 0 foreground of that
    /// object); predictions as shaped tensors; costs as one float array per image.
    func encode() -> [UInt8] {
        switch self {
        case .assignment(let assignments):
            var w = ByteWriter(capacity: assignments.reduce(8) { $0 + 4 + 4 * $1.anchors.count })
            w.u32(UInt32(assignments.count))
            for a in assignments {
                w.i32s(a.anchors.map { s -> Int32 in
                    switch s { case .invalid: return -2; case .background: return -1; case .foreground(let g): return Int32(g) }
                })
            }
            return w.bytes
        case .predictions(let o):
            var w = ByteWriter()
            for group in [o.cls, o.reg, o.iou] {
                w.u32(UInt32(group.count))
                for t in group { w.u32(UInt32(t.shape.count)); for d in t.shape { w.i64(d) }; w.f32s(t.data) }
            }
            return w.bytes
        case .costs(let costs):
            var w = ByteWriter(); w.u32(UInt32(costs.count)); for c in costs { w.f32s(c) }; return w.bytes
        }
    }

    static func decode(_ kind: Kind, _ bytes: [UInt8]) throws -> PairMessage {
        var r = ByteReader(bytes)
        let message: PairMessage
        switch kind {
        case .assignment:
            let n = Int(try r.u32())
            guard n <= 1 << 16 else { throw FrameRejection.malformedPayload }
            var out: [Assignment] = []
            for _ in 0..<n {
                let states = try r.i32s()
                out.append(Assignment(anchors: try states.map { s -> AnchorAssignment in
                    switch s {
                    case -2: return .invalid
                    case -1: return .background
                    case 0...: return .foreground(object: Int(s))
                    default: throw FrameRejection.malformedPayload
                    }
                }))
            }
            message = .assignment(out)
        case .predictions:
            var groups: [[Tensor]] = []
            for _ in 0..<3 {
                let n = Int(try r.u32())
                guard n <= 16 else { throw FrameRejection.malformedPayload }
                groups.append(try (0..<n).map { _ in
                    let nd = Int(try r.u32())
                    guard nd <= 8 else { throw FrameRejection.malformedPayload }
                    let shape = try (0..<nd).map { _ in try r.i64() }
                    let data = try r.f32s()
                    guard shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }), shape.reduce(1, *) == data.count else { throw FrameRejection.malformedPayload }
                    return Tensor(shape: shape, data: data)
                })
            }
            message = .predictions(HeadOutputs(cls: groups[0], reg: groups[1], iou: groups[2]))
        case .costs:
            let n = Int(try r.u32())
            guard n <= 1 << 16 else { throw FrameRejection.malformedPayload }
            message = .costs(try (0..<n).map { _ in try r.f32s() })
        }
        try r.finish()
        return message
    }
}
