// Authenticated, encrypted channels with libzmq's own CURVE security (DESIGN.md §3): a server
// socket (the one that binds) holds its secret key, a client knows the server's public key and
// has its own keypair; the handshake proves both and encrypts everything after it. Which client
// keys a server admits is decided by this process's ZAP handler (ZeroMQ Authentication
// Protocol, RFC 27): a key set per ZAP domain, anything else refused. A peer that fails the
// handshake never delivers a message; the server socket's monitor counts it (the one count).
import CZMQ
import Foundation

/// A CURVE keypair (32-byte keys).
public struct CurveKeyPair: Equatable, Sendable {
    public let publicKey: [UInt8]
    let secretKey: [UInt8]

    /// A fresh keypair from libzmq (libsodium's random source).
    public static func generate() throws -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else {
            throw TransportError(call: "zmq_curve_keypair (is libzmq built with CURVE?)", code: colad_errno())
        }
        return try CurveKeyPair(z85Public: String(cString: pub), z85Secret: String(cString: sec))
    }

    /// From Z85 text (40 characters each), e.g. as read from a key file.
    public init(z85Public: String, z85Secret: String) throws {
        publicKey = try Z85.decode(z85Public)
        secretKey = try Z85.decode(z85Secret)
    }

    /// The secret key as Z85 text, for the one case it must be handed over in a file (an
    /// external coordinator, which shares no MPI world with the workers).
    public var z85Secret: String { Z85.encode(secretKey) }
}

/// ZeroMQ's Z85 text form of 32-byte keys.
public enum Z85 {
    public static func encode(_ key: [UInt8]) -> String {
        precondition(key.count == 32, "Z85: keys are 32 bytes")
        var out = [CChar](repeating: 0, count: 41)
        _ = key.withUnsafeBufferPointer { zmq_z85_encode(&out, $0.baseAddress, 32) }
        return String(cString: out)
    }

    public static func decode(_ text: String) throws -> [UInt8] {
        guard text.utf8.count == 40 else { throw TransportError(call: "zmq_z85_decode (a key is 40 characters)", code: EINVAL) }
        var out = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&out, text) != nil else { throw TransportError(call: "zmq_z85_decode", code: EINVAL) }
        return out
    }
}

/// A socket's part in CURVE.
public enum CurveRole: Sendable {
    /// A binding socket: its keypair, and the ZAP domain whose keys it admits.
    case server(CurveKeyPair, domain: String)
    /// A connecting socket: its keypair and the server's public key.
    case client(CurveKeyPair, serverKey: [UInt8])
}

/// The process's ZAP handler: one thread with a REP socket at inproc://zeromq.zap.01 in the
/// shared context, admitting a CURVE client when its public key is in the set of the socket's
/// domain. It is started before the first CURVE server socket exists (libzmq admits every
/// client when no handler is bound).
public final class ZAPHandler: @unchecked Sendable {
    public static let shared = ZAPHandler()
    private let lock = NSLock()
    private var allowed: [String: Set<[UInt8]>] = [:]
    private var started = false

    /// Admits `keys` on server sockets of `domain` (replacing the domain's previous set).
    public func allow(_ keys: Set<[UInt8]>, in domain: String) {
        lock.lock(); allowed[domain] = keys; lock.unlock()
    }

    func decide(domain: String, mechanism: String, credentials: [[UInt8]]) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return mechanism == "CURVE" && credentials.count == 1 && (allowed[domain]?.contains(credentials[0]) ?? false)
    }

    /// Binds the handler's socket (once per process) and starts its thread.
    func start() throws {
        lock.lock(); defer { lock.unlock() }
        guard !started else { return }
        guard let socket = zmq_socket(ZMQContext.shared.handle, ZMQ_REP) else { throw TransportError(call: "zmq_socket(ZAP)", code: colad_errno()) }
        var linger: Int32 = 0
        zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_bind(socket, "inproc://zeromq.zap.01") == 0 else {
            throw TransportError(call: "zmq_bind", code: colad_errno(), endpoint: "inproc://zeromq.zap.01")
        }
        started = true
        let box = SocketBox(socket)
        let t = Thread { [self] in serve(box.socket) }
        t.name = "colad-zap"
        t.start()
    }

    private final class SocketBox: @unchecked Sendable {
        let socket: UnsafeMutableRawPointer
        init(_ s: UnsafeMutableRawPointer) { socket = s }
    }

    /// Request: version, request id, domain, address, routing id, mechanism, credentials…;
    /// reply: version, request id, status code, status text, user id, metadata.
    private func serve(_ socket: UnsafeMutableRawPointer) {
        while true {
            guard let frames = Self.receiveAll(socket) else { continue }
            guard frames.count >= 6, frames[0] == Array("1.0".utf8) else {
                Self.send(socket, [Array("1.0".utf8), frames.count > 1 ? frames[1] : [], Array("500".utf8), Array("malformed ZAP request".utf8), [], []])
                continue
            }
            let domain = String(decoding: frames[2], as: UTF8.self), mechanism = String(decoding: frames[5], as: UTF8.self)
            let ok = decide(domain: domain, mechanism: mechanism, credentials: Array(frames.dropFirst(6)))
            Self.send(socket, [Array("1.0".utf8), frames[1], Array((ok ? "200" : "400").utf8),
                               Array((ok ? "OK" : "not a key of this job").utf8), [], []])
        }
    }

    private static func receiveAll(_ socket: UnsafeMutableRawPointer) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            guard zmq_msg_recv(&msg, socket, 0) >= 0 else { return nil }
            frames.append(Array(UnsafeRawBufferPointer(start: zmq_msg_data(&msg), count: zmq_msg_size(&msg))))
            if zmq_msg_more(&msg) == 0 { return frames }
        }
    }

    private static func send(_ socket: UnsafeMutableRawPointer, _ frames: [[UInt8]]) {
        for (i, f) in frames.enumerated() {
            _ = f.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, i + 1 < frames.count ? ZMQ_SNDMORE : 0) }
        }
    }
}
