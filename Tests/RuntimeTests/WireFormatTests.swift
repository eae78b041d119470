@testable import Runtime
import Config
import Distillation
import Engine
import Models
import PAA
import Training
import Transport
import XCTest

/// Every message survives its wire encoding; damaged payloads are refused, never trapped on.
final class WireFormatTests: XCTestCase {
    func testCoordinatorMessagesRoundTrip() throws {
        var agg = AggregateStats(); agg.add(CostStats(count: 3, mean: 0.5, std: 0.25)); agg.add(CostStats(count: 1, mean: 1.5, std: nil))
        for stats in [Stats(), Stats(a: agg), Stats(a: agg, b: agg, pairs: 2, fromB: 1)] {
            XCTAssertEqual(try Stats.decode(stats.encode()), stats)
        }
        for t in [Teacher.a, .b, nil] {
            let d = Decision(teacher: t, evaluate: true, checkpoint: false, last: true)
            XCTAssertEqual(try Decision.decode(d.encode()), d)
        }
        var rep = Report(network: .b, record: NetworkRecord(cls: 1.25, box: 0.5, iou: 0.125, kd: KDParts(cls: 1, iou: 2, box: 3), numPositives: 7, lr: 0.01))
        rep.times = ["total": 0.5]; rep.rejected = ["bad_magic": 2]; rep.epoch = 3; rep.images = 4; rep.residentMB = 212.5
        XCTAssertEqual(try Report.decode(rep.encode()), rep)
        for bad in [Double.nan, -1, .infinity] {
            rep.residentMB = bad
            XCTAssertThrowsError(try Report.decode(rep.encode()), "resident memory \(bad)")
        }
        rep.residentMB = 212.5
        XCTAssertEqual(try Report.decode(Report(network: .a, record: nil).encode()), Report(network: .a, record: nil))
        let hello = Hello(network: .a, groupRank: 1, host: "node-1", pid: 42, inbox: "tcp://127.0.0.1:5000")
        XCTAssertEqual(try Hello.decode(hello.encode()), hello)
        for w in [Welcome(startIteration: 3, endIteration: 9, resumeFrom: "/w/checkpoints/iter_0000003"), Welcome(startIteration: 0, endIteration: 1, resumeFrom: nil)] {
            XCTAssertEqual(try Welcome.decode(w.encode()), w)
        }
        let saved = Saved(network: .b, optimizerSteps: 10, epoch: 1, iterationInEpoch: 4)
        XCTAssertEqual(try Saved.decode(saved.encode()), saved)
        let eval = EvalResult(network: .a, metrics: ["bbox_mAP": 0.25, "bbox_mAP_50": 0.5], seconds: 1.5)
        XCTAssertEqual(try EvalResult.decode(eval.encode()), eval)
        let spans = [Span(name: "forward", start: 1_796_000_000.123456, seconds: 0.0125, iteration: 7), Span(name: "iteration", start: 1, seconds: 0, iteration: 0)]
        XCTAssertEqual(try SpanList.decode(SpanList.encode(spans)), spans)
        XCTAssertEqual(try SpanList.decode(SpanList.encode([])), [])
        var negative = SpanList.encode([Span(name: "x", start: 0, seconds: 1, iteration: 0)])
        negative.replaceSubrange(negative.count - 16..<negative.count - 8, with: withUnsafeBytes(of: (-1.0).bitPattern.littleEndian) { Array($0) })
        XCTAssertThrowsError(try SpanList.decode(negative))   // a negative duration is refused
        XCTAssertThrowsError(try SpanList.decode(Array(SpanList.encode(spans).dropLast())))
        for m in [WorkerMessage.stats(Stats(a: agg)), .report(rep), .saved(saved), .evaluated(eval), .failure("disk full"), .bye, .spans(spans)] {
            let (kind, payload) = m.wire
            XCTAssertEqual(try WorkerMessage(kind: kind, payload: payload), m)
        }
    }

    func testPairMessagesRoundTrip() throws {
        let a = [Assignment(anchors: [.foreground(object: 1), .background, .invalid, .foreground(object: 0)]),
                 Assignment(anchors: [.background, .background, .background, .foreground(object: 0)])]
        guard case .assignment(let back) = try PairMessage.decode(.assignment, PairMessage.assignment(a).encode()) else { return XCTFail() }
        XCTAssertEqual(back, a)
        let costs: [[Float]] = [[1, 2.5], [], [0.25]]
        guard case .costs(let c) = try PairMessage.decode(.costs, PairMessage.costs(costs).encode()) else { return XCTFail() }
        XCTAssertEqual(c, costs)
        let o = HeadOutputs(cls: [Tensor(shape: [1, 2, 2, 3], data: (0..<12).map(Float.init))], reg: [Tensor(shape: [1, 2, 2, 4], data: [Float](repeating: 0.5, count: 16))],
                            iou: [Tensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4])])
        guard case .predictions(let p) = try PairMessage.decode(.predictions, PairMessage.predictions(o).encode()) else { return XCTFail() }
        XCTAssertEqual(p.cls.map(\.shape), o.cls.map(\.shape)); XCTAssertEqual(p.cls.map(\.data), o.cls.map(\.data))
        XCTAssertEqual(p.reg.map(\.data), o.reg.map(\.data)); XCTAssertEqual(p.iou.map(\.data), o.iou.map(\.data))
    }

    func testDamagedPayloadsAreRefused() {
        XCTAssertThrowsError(try Decision.decode([7, 0]))
        XCTAssertThrowsError(try Decision.decode([0, 0, 0]))
        XCTAssertThrowsError(try Stats.decode([1, 2, 3]))
        XCTAssertThrowsError(try Stats.decode(Stats(pairs: 1, fromB: 2).encode()), "more sets from B than sets")
        XCTAssertThrowsError(try Report.decode([9]))
        XCTAssertThrowsError(try WorkerMessage(kind: .bye, payload: [1]))
        XCTAssertThrowsError(try WorkerMessage(kind: .decision, payload: []), "not a replica's message")
        var w = ByteWriter(); w.u32(1); w.i32s([0, -3])
        XCTAssertThrowsError(try PairMessage.decode(.assignment, w.bytes), "state −3 does not exist")
        let full = PairMessage.costs([[1, 2]]).encode()
        XCTAssertThrowsError(try PairMessage.decode(.costs, Array(full.dropLast())))
        var p = ByteWriter(); p.u32(1); p.u32(2); p.i64(2); p.i64(3); p.f32s([1, 2])
        XCTAssertThrowsError(try PairMessage.decode(.predictions, p.bytes), "shape 2×3 with 2 values")
    }

    func testTopology() throws {
        var c = TrainingConfig(name: "t", mode: .colad, networkA: NetworkConfig.preset("tiny")!, networkB: NetworkConfig.preset("small")!, iterations: 10)
        let t = try JobTopology(worldSize: 5, config: c)
        XCTAssertEqual(t.k, 2)
        XCTAssertEqual(t.role(of: 0), .coordinator)
        XCTAssertEqual(t.role(of: 2), .worker(network: .a, groupRank: 1))
        XCTAssertEqual(t.role(of: 3), .worker(network: .b, groupRank: 0))
        XCTAssertEqual(t.peer(of: .a, groupRank: 1), 4)
        XCTAssertEqual(t.ranks(of: .b), [3, 4])
        XCTAssertThrowsError(try JobTopology(worldSize: 4, config: c))
        c.distributed.coordinator = "tcp://head:5000"
        let ext = try JobTopology(worldSize: 4, config: c)
        XCTAssertNil(ext.coordinatorRank)
        XCTAssertEqual(ext.role(of: 0), .worker(network: .a, groupRank: 0))
        XCTAssertEqual(ext.workerRanks, [0, 1, 2, 3])
    }
}
