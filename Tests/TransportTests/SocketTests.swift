import Foundation
import Transport
import XCTest

/// Real libzmq sockets over loopback TCP.
final class SocketTests: XCTestCase {
    func testRouterDealerRoundTripAndIdentity() throws {
        let router = try ZMQSocket(.router)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        XCTAssertTrue(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":0"), endpoint)
        var opts = SocketOptions(); opts.identity = Array("w3".utf8)
        let dealer = try ZMQSocket(.dealer, options: opts)
        try dealer.connect(endpoint)
        try dealer.send([[1, 2, 3], [4]])
        let msg = try XCTUnwrap(router.receive(timeout: 5))
        XCTAssertEqual(msg, [Array("w3".utf8), [1, 2, 3], [4]])
        try router.send([Array("w3".utf8), [9, 9]])
        XCTAssertEqual(try dealer.receive(timeout: 5), [[9, 9]])
    }

    func testReceiveTimesOut() throws {
        let router = try ZMQSocket(.router)
        _ = try router.bind("tcp://127.0.0.1:0")
        let t0 = Date()
        XCTAssertNil(try router.receive(timeout: 0.2))
        let waited = Date().timeIntervalSince(t0)
        XCTAssertGreaterThanOrEqual(waited, 0.15)
        XCTAssertLessThan(waited, 3)
    }

    func testRouterMandatoryFailsForUnknownPeer() throws {
        let router = try ZMQSocket(.router)
        _ = try router.bind("tcp://127.0.0.1:0")
        XCTAssertThrowsError(try router.send([Array("nobody".utf8), [1]]))
    }

    func testOversizedMessageIsDroppedByLibzmq() throws {
        var small = SocketOptions(); small.maxMessageBytes = 100
        let router = try ZMQSocket(.router, options: small)
        let endpoint = try router.bind("tcp://127.0.0.1:0")
        let big = try ZMQSocket(.dealer)
        try big.connect(endpoint)
        try big.send([[UInt8](repeating: 7, count: 1000)])
        XCTAssertNil(try router.receive(timeout: 0.5), "a message above ZMQ_MAXMSGSIZE must not be delivered")
        // Other peers are unaffected.
        let ok = try ZMQSocket(.dealer)
        try ok.connect(endpoint)
        try ok.send([[1]])
        XCTAssertEqual(try router.receive(timeout: 5)?.last, [1])
    }
}
