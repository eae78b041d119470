import CZMQ
import XCTest

/// libzmq linked and called for real: version, and a PAIR round trip over loopback TCP.
final class ZeroMQTests: XCTestCase {
    func testVersionAndLoopbackRoundTrip() throws {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        XCTAssertGreaterThanOrEqual(major, 4)

        let ctx = try XCTUnwrap(zmq_ctx_new())
        defer { zmq_ctx_term(ctx) }
        let server = try XCTUnwrap(zmq_socket(ctx, ZMQ_PAIR)), client = try XCTUnwrap(zmq_socket(ctx, ZMQ_PAIR))
        var linger: Int32 = 0, timeout: Int32 = 5000
        for s in [server, client] {
            zmq_setsockopt(s, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
            zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, MemoryLayout<Int32>.size)
        }
        defer { zmq_close(server); zmq_close(client) }
        XCTAssertEqual(zmq_bind(server, "tcp://127.0.0.1:*"), 0)
        var endpoint = [CChar](repeating: 0, count: 256)
        var size = endpoint.count
        XCTAssertEqual(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, &endpoint, &size), 0)
        XCTAssertEqual(zmq_connect(client, endpoint), 0)

        let payload = Array("colad pair channel".utf8)
        XCTAssertEqual(zmq_send(client, payload, payload.count, 0), Int32(payload.count))
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = zmq_recv(server, &buffer, buffer.count, 0)
        XCTAssertEqual(n, Int32(payload.count), "errno \(colad_errno())")
        XCTAssertEqual(Array(buffer.prefix(Int(max(n, 0)))), payload)
    }
}
