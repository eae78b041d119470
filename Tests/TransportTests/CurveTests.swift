import Foundation
import Transport
import XCTest

/// CURVE over real libzmq sockets (loopback TCP and ipc): the job's keys get through, nothing
/// else does, and every refused peer is counted.
final class CurveTests: XCTestCase {
    func server(_ keys: CurveKeyPair, domain: String, endpoint: String = "tcp://127.0.0.1:0") throws -> (ZMQSocket, String) {
        var o = SocketOptions(); o.curve = .server(keys, domain: domain)
        let s = try ZMQSocket(.router, options: o)
        return (s, try s.bind(endpoint))
    }

    func client(_ keys: CurveKeyPair?, serverKey: [UInt8], id: String, to endpoint: String) throws -> ZMQSocket {
        var o = SocketOptions(); o.identity = Array(id.utf8)
        if let keys { o.curve = .client(keys, serverKey: serverKey) }
        let c = try ZMQSocket(.dealer, options: o)
        try c.connect(endpoint)
        return c
    }

    /// Waits (bounded) until `socket` has counted `n` refused handshakes; returns the count.
    func failures(_ socket: ZMQSocket, atLeast n: Int) -> Int {
        var total = 0
        let deadline = Date().addingTimeInterval(5)
        while total < n && Date() < deadline { total += socket.takeHandshakeFailures(); Thread.sleep(forTimeInterval: 0.01) }
        return total
    }

    func testKeysRoundTripThroughZ85() throws {
        let k = try CurveKeyPair.generate()
        XCTAssertEqual(k.publicKey.count, 32)
        XCTAssertEqual(try CurveKeyPair(z85Public: Z85.encode(k.publicKey), z85Secret: k.z85Secret), k)
        XCTAssertNotEqual(try CurveKeyPair.generate(), k)
        XCTAssertThrowsError(try Z85.decode("too short"))
    }

    func testOnlyTheAdmittedKeyGetsThrough() throws {
        let serverKeys = try CurveKeyPair.generate(), member = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        ZAPHandler.shared.allow([member.publicKey], in: "curve-test")
        let (router, endpoint) = try server(serverKeys, domain: "curve-test")
        let good = try client(member, serverKey: serverKeys.publicKey, id: "member", to: endpoint)
        try good.send([[1, 2, 3]])
        XCTAssertEqual(try router.receive(timeout: 5), [Array("member".utf8), [1, 2, 3]])
        try router.send([Array("member".utf8), [4]])
        XCTAssertEqual(try good.receive(timeout: 5), [[4]], "encrypted both ways")

        // A stranger's key (refused by ZAP), no encryption at all, and the wrong server key.
        let refused = try client(stranger, serverKey: serverKeys.publicKey, id: "stranger", to: endpoint)
        let plain = try client(nil, serverKey: [], id: "plain", to: endpoint)
        let wrongServer = try client(member, serverKey: stranger.publicKey, id: "wrong", to: endpoint)
        for c in [refused, plain, wrongServer] { try c.send([[6, 6, 6]]) }
        XCTAssertGreaterThanOrEqual(failures(router, atLeast: 3), 3)
        XCTAssertNil(try router.receive(timeout: 0.3), "nothing from a peer without the job's keys")
        // The member still gets through.
        try good.send([[7]])
        XCTAssertEqual(try router.receive(timeout: 5)?.last, [7])
    }

    func testUnknownDomainAdmitsNobodyAndIPCIsCoveredToo() throws {
        let serverKeys = try CurveKeyPair.generate(), member = try CurveKeyPair.generate()
        let path = NSTemporaryDirectory() + "colad-curve-test-\(ProcessInfo.processInfo.processIdentifier).sock"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (router, endpoint) = try server(serverKeys, domain: "nobody-allowed-here", endpoint: "ipc://\(path)")
        let c = try client(member, serverKey: serverKeys.publicKey, id: "m", to: endpoint)
        try c.send([[1]])
        XCTAssertGreaterThanOrEqual(failures(router, atLeast: 1), 1)
        XCTAssertNil(try router.receive(timeout: 0.3))
    }
}
