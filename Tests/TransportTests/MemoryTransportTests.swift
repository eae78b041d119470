import Foundation
import Transport
import XCTest

/// The in-memory transport keeps the ZeroMQ semantics the runtime relies on.
final class MemoryTransportTests: XCTestCase {
    func dealer(_ t: MemoryTransport, _ id: String?, maxBytes: Int = 1 << 20) throws -> MessageSocket {
        var o = SocketOptions(); o.identity = id.map { Array($0.utf8) }; o.maxMessageBytes = maxBytes
        return try t.socket(.dealer, options: o)
    }

    func testRouterDealerRoundTripAndIdentity() throws {
        let t = MemoryTransport()
        let router = try t.socket(.router, options: SocketOptions())
        let endpoint = try router.bind("mem://*")
        XCTAssertTrue(endpoint.hasPrefix("mem://") && endpoint != "mem://*", endpoint)
        let d = try dealer(t, "w3")
        try d.connect(endpoint)
        try d.send([[1, 2, 3], [4]])
        XCTAssertEqual(try router.receive(timeout: 1), [Array("w3".utf8), [1, 2, 3], [4]])
        try router.send([Array("w3".utf8), [9, 9]])
        XCTAssertEqual(try d.receive(timeout: 1), [[9, 9]])
        let anonymous = try dealer(t, nil)
        try anonymous.connect(endpoint)
        try anonymous.send([[5]])
        let got = try XCTUnwrap(router.receive(timeout: 1))
        XCTAssertEqual(got.count, 2); XCTAssertFalse(got[0].isEmpty)
    }

    func testWaitsAreBoundedAndPollSeesEverySocket() throws {
        let t = MemoryTransport()
        let a = try t.socket(.router, options: SocketOptions()), b = try t.socket(.router, options: SocketOptions())
        _ = try a.bind("mem://a"); _ = try b.bind("mem://b")
        let t0 = Date()
        XCTAssertEqual(try t.poll([a, b], timeout: 0.2), [false, false])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(t0), 0.15)
        let d = try dealer(t, "x")
        try d.connect("mem://b")
        // A message from another thread wakes a waiting poll.
        Thread { Thread.sleep(forTimeInterval: 0.1); try? d.send([[1]]) }.start()
        let t1 = Date()
        XCTAssertEqual(try t.poll([a, b], timeout: 5), [false, true])
        XCTAssertLessThan(Date().timeIntervalSince(t1), 2)
    }

    func testRouterMandatoryOversizedAndClosedPeers() throws {
        let t = MemoryTransport()
        var small = SocketOptions(); small.maxMessageBytes = 100
        let router = try t.socket(.router, options: small)
        _ = try router.bind("mem://r")
        XCTAssertThrowsError(try router.send([Array("nobody".utf8), [1]]))
        XCTAssertThrowsError(try router.bind("mem://r"), "one socket per endpoint")
        XCTAssertThrowsError(try dealer(t, "z").connect("mem://nowhere"))
        let big = try dealer(t, "big")
        try big.connect("mem://r")
        try big.send([[UInt8](repeating: 7, count: 1000)])
        XCTAssertNil(try router.receive(timeout: 0.1), "a message above the receiver's limit is dropped")
        try big.send([[1]])
        XCTAssertEqual(try router.receive(timeout: 1)?.last, [1])
        big.close()
        XCTAssertThrowsError(try router.send([Array("big".utf8), [1]]), "the peer is gone")
        router.close()
        let late = try dealer(t, "late")
        XCTAssertThrowsError(try late.connect("mem://r"), "nothing bound any more")
    }
}
