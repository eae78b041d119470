@testable import Runtime
import Config
import Foundation
import Training
import Transport
import XCTest

/// Who may speak for a rank, and who has gone silent (no sockets).
final class WorkerTableTests: XCTestCase {
    let topology = JobTopology(k: 1, networks: [.a, .b], coordinatorRank: 0)
    let t0 = Date(timeIntervalSince1970: 1000)
    func hello(_ n: NetworkID, host: String = "h1") -> Hello { Hello(network: n, groupRank: 0, host: host, pid: 7, inbox: "ipc:///x") }
    func rejected(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { XCTAssertEqual($0 as? FrameRejection, .unexpected, file: file, line: line) }
    }

    func testHelloPinsTheIdentityAndASecondHelloIsRefused() throws {
        var w = WorkerTable(topology: topology, now: t0)
        XCTAssertFalse(w.allJoined)
        try w.hello(hello(.a), rank: 1, identity: Array("w1".utf8), now: t0)
        rejected { try w.hello(hello(.a, host: "impostor"), rank: 1, identity: Array("evil".utf8), now: t0) }
        XCTAssertEqual(w[1]?.host, "h1", "the first hello stands")
        XCTAssertEqual(w[1]?.identity, Array("w1".utf8))
        rejected { try w.hello(hello(.a), rank: 2, identity: Array("w2".utf8), now: t0) }   // rank 2 is network B's
        rejected { try w.hello(hello(.a), rank: 9, identity: Array("w9".utf8), now: t0) }   // no such rank
        try w.hello(hello(.b), rank: 2, identity: Array("w2".utf8), now: t0)
        XCTAssertTrue(w.allJoined)
        XCTAssertEqual(w[2]?.name, "rank 2 (b0, host h1, pid 7)")
    }

    func testOnlyTheHelloSocketSpeaksForItsRank() throws {
        var w = WorkerTable(topology: topology, now: t0)
        rejected { try w.admit(rank: 1, identity: Array("w1".utf8), now: t0) }   // before its hello
        try w.hello(hello(.a), rank: 1, identity: Array("w1".utf8), now: t0)
        try w.admit(rank: 1, identity: Array("w1".utf8), now: t0.addingTimeInterval(1))
        XCTAssertEqual(w[1]?.lastHeard, t0.addingTimeInterval(1))
        rejected { try w.admit(rank: 1, identity: Array("w2".utf8), now: t0) }
        // The heartbeat socket is pinned by its first heartbeat; a third socket is refused.
        try w.heartbeat(Heartbeat(phase: .training, iteration: 3), rank: 1, identity: Array("h1".utf8), now: t0)
        try w.heartbeat(Heartbeat(phase: .evaluating, iteration: 3), rank: 1, identity: Array("w1".utf8), now: t0)
        rejected { try w.heartbeat(Heartbeat(phase: .training, iteration: 3), rank: 1, identity: Array("h9".utf8), now: t0) }
        XCTAssertEqual(w[1]?.phase, .evaluating)
    }

    func testSilenceIsNamedFinishedRanksAreNot() throws {
        var w = WorkerTable(topology: topology, now: t0)
        try w.hello(hello(.a), rank: 1, identity: [1], now: t0)
        try w.hello(hello(.b), rank: 2, identity: [2], now: t0.addingTimeInterval(2))
        XCTAssertNil(w.silent(now: t0.addingTimeInterval(3), limit: 3))
        XCTAssertEqual(w.silent(now: t0.addingTimeInterval(3.5), limit: 3)?.rank, 1)
        w.update(1) { $0.finished = true }
        XCTAssertNil(w.silent(now: t0.addingTimeInterval(4), limit: 3))
        XCTAssertEqual(w.silent(now: t0.addingTimeInterval(6), limit: 3)?.rank, 2)
    }
}
