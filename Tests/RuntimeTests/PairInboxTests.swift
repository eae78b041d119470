@testable import Runtime
import Training
import Transport
import XCTest

/// What a pair inbox keeps, and what it counts and drops (no sockets).
final class PairInboxTests: XCTestCase {
    let job: UInt64 = 0xAB
    func frame(_ kind: MessageKind, t: Int, sender: Int = 2, job: UInt64 = 0xAB, payload: [UInt8] = [1, 2, 3]) -> [[UInt8]] {
        [Array("p2".utf8), Frame(type: kind.rawValue, jobId: job, iteration: t, sender: sender, payload: payload).encoded()]
    }

    func testKeepsThePeersMessagesForNowAndNext() {
        var inbox = PairInbox(peer: 2, maxPayload: 1000)
        XCTAssertNil(inbox.accept(frame(.assignment, t: 5), jobId: job, at: 5))
        XCTAssertNil(inbox.accept(frame(.costs, t: 6), jobId: job, at: 5), "the peer may be one iteration ahead")
        XCTAssertNil(inbox.take(.assignment, iteration: 6))
        XCTAssertEqual(inbox.take(.assignment, iteration: 5)?.payload, [1, 2, 3])
        XCTAssertNil(inbox.take(.assignment, iteration: 5), "taken once")
        XCTAssertNotNil(inbox.take(.costs, iteration: 6))
        XCTAssertEqual(inbox.counters.total, 0)
    }

    func testStaleDuplicateStrangersAndGarbageAreCounted() {
        var inbox = PairInbox(peer: 2, maxPayload: 1000)
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 4), jobId: job, at: 5)?.kind, .unexpected, "stale")
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 3), jobId: job, at: 5)?.first, false, "logged once per kind")
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 7), jobId: job, at: 5)?.kind, .unexpected, "too far ahead")
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 5, sender: 3), jobId: job, at: 5)?.kind, .unexpected, "not the peer")
        XCTAssertEqual(inbox.accept(frame(.decision, t: 5), jobId: job, at: 5)?.kind, .unexpected, "not a pair message")
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 5, job: 1), jobId: job, at: 5)?.kind, .wrongJob)
        XCTAssertEqual(inbox.accept([[1], [2], [3]], jobId: job, at: 5)?.kind, .malformedPayload)
        XCTAssertEqual(inbox.accept([[1], Array("CLAD".utf8)], jobId: job, at: 5)?.kind, .truncated)
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 5, payload: [UInt8](repeating: 0, count: 2000)), jobId: job, at: 5)?.kind, .oversized)
        XCTAssertNil(inbox.accept(frame(.assignment, t: 5, payload: [9]), jobId: job, at: 5))
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 5, payload: [8]), jobId: job, at: 5)?.kind, .unexpected, "duplicate")
        XCTAssertEqual(inbox.take(.assignment, iteration: 5)?.payload, [9], "the first one stands")
        XCTAssertEqual(inbox.counters.counts, ["unexpected": 6, "wrong_job": 1, "malformed_payload": 1, "truncated": 1, "oversized": 1])
    }

    func testDropsWhatWasNeverTaken() {
        var inbox = PairInbox(peer: 2, maxPayload: 1000)
        XCTAssertNil(inbox.accept(frame(.predictions, t: 5), jobId: job, at: 5))
        XCTAssertNil(inbox.accept(frame(.costs, t: 6), jobId: job, at: 5))
        inbox.drop(before: 6)
        XCTAssertNil(inbox.take(.predictions, iteration: 5))
        XCTAssertNotNil(inbox.take(.costs, iteration: 6))
        XCTAssertEqual(inbox.counters.counts, ["unexpected": 1])
    }

    /// Unequal groups: one inbox hears several peers; each (kind, iteration) is kept per sender.
    func testKeepsEachPeersMessageApart() {
        var inbox = PairInbox(peers: [2, 4], maxPayload: 1000)
        XCTAssertNil(inbox.accept(frame(.assignment, t: 5, sender: 4, payload: [4]), jobId: job, at: 5))
        XCTAssertNil(inbox.accept(frame(.assignment, t: 5, sender: 2, payload: [2]), jobId: job, at: 5))
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 5, sender: 4, payload: [5]), jobId: job, at: 5)?.kind, .unexpected, "duplicate from one sender")
        XCTAssertEqual(inbox.accept(frame(.assignment, t: 5, sender: 3), jobId: job, at: 5)?.kind, .unexpected, "not a peer")
        XCTAssertEqual(inbox.take(.assignment, iteration: 5, from: 2)?.payload, [2])
        XCTAssertEqual(inbox.take(.assignment, iteration: 5, from: 4)?.payload, [4])
        XCTAssertNil(inbox.take(.assignment, iteration: 5, from: 4))
        XCTAssertEqual(inbox.counters.counts, ["unexpected": 2])
    }
}
