@testable import Runtime
import Config
import Distillation
import PAA
import Transport
import XCTest

final class MessagesTests: XCTestCase {
    func testRoundTrips() throws {
        var agg = AggregateStats(); agg.add(CostStats(count: 3, mean: 0.5, std: 0.25)); agg.add(CostStats(count: 1, mean: 1.5, std: nil))
        let stats = Stats(a: agg, b: nil, pairs: 2, fromB: 1)
        XCTAssertEqual(try Stats.decode(stats.encode()), stats)
        for t in [Teacher.a, .b, nil] {
            let d = Decision(teacher: t, evaluate: true, checkpoint: false, last: true)
            XCTAssertEqual(try Decision.decode(d.encode()), d)
        }
        var rep = Report(network: .b, trained: true)
        rep.cls = 1.25; rep.kd = [1, 2, 3]; rep.times = ["total": 0.5]; rep.rejected.count(.badMagic); rep.epoch = 3
        XCTAssertEqual(try Report.decode(rep.encode()), rep)
        let hello = Hello(network: .a, groupRank: 1, host: "node-1", pid: 42, inbox: "tcp://127.0.0.1:5000")
        XCTAssertEqual(try Hello.decode(hello.encode()), hello)
        let saved = Saved(network: .b, optimizerSteps: 10, epoch: 1, iterationInEpoch: 4)
        XCTAssertEqual(try Saved.decode(saved.encode()), saved)
    }

    func testAssignmentRoundTripAndValidation() throws {
        let valid = [[true, true, false, true], [true, true, true, true]]
        let a = [Assignment(anchors: [.foreground(object: 1), .background, .invalid, .foreground(object: 0)]),
                 Assignment(anchors: [.background, .background, .background, .foreground(object: 0)])]
        let bytes = AssignmentMessage.encode(a)
        XCTAssertEqual(try AssignmentMessage.decode(bytes, valid: valid, objects: [2, 1]), a)
        // An object index the receiver does not have, a wrong image count, or a positive on an
        // invalid anchor are malformed.
        XCTAssertThrowsError(try AssignmentMessage.decode(bytes, valid: valid, objects: [1, 1]))
        XCTAssertThrowsError(try AssignmentMessage.decode(bytes, valid: [valid[0]], objects: [2]))
        XCTAssertThrowsError(try AssignmentMessage.decode(bytes, valid: [[true, true, false, false], valid[1]], objects: [2, 1]))
        XCTAssertThrowsError(try AssignmentMessage.decode(Array(bytes.dropLast()), valid: valid, objects: [2, 1]))
    }

    func testDecisionRejectsGarbage() {
        XCTAssertThrowsError(try Decision.decode([7, 0]))
        XCTAssertThrowsError(try Decision.decode([0, 0, 0]))
        XCTAssertThrowsError(try Stats.decode([1, 2, 3]))
        XCTAssertThrowsError(try Report.decode([9]))
    }

    func testTopology() throws {
        var c = TrainingConfig(name: "t", mode: .colad, networkA: NetworkConfig.preset("tiny")!, networkB: NetworkConfig.preset("small")!, iterations: 10)
        let t = try JobTopology(worldSize: 5, config: c)
        XCTAssertEqual(t.k, 2)
        XCTAssertEqual(t.role(of: 0), .coordinator)
        XCTAssertEqual(t.role(of: 2), .worker(network: .a, groupRank: 1))
        XCTAssertEqual(t.role(of: 3), .worker(network: .b, groupRank: 0))
        XCTAssertEqual(t.peer(of: .a, groupRank: 1), 4)
        XCTAssertThrowsError(try JobTopology(worldSize: 4, config: c))
        c.distributed.coordinator = "tcp://head:5000"
        let ext = try JobTopology(worldSize: 4, config: c)
        XCTAssertNil(ext.coordinatorRank)
        XCTAssertEqual(ext.role(of: 0), .worker(network: .a, groupRank: 0))
        XCTAssertEqual(ext.workerRanks, [0, 1, 2, 3])
    }
}
