// A small Swift face for the libzmq calls colad uses: ROUTER/DEALER sockets with the options
// DESIGN.md §3 asks for (ZMQ_MAXMSGSIZE, ZMQ_LINGER 0, heartbeats, ZMQ_ROUTER_MANDATORY),
// multipart send/receive with timeouts, and poll over several sockets. Every wait is bounded:
// `receive` and `poll` take a timeout and return nil/empty when it passes.
import CZMQ
import Foundation

public struct TransportError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var endpoint: String?
    public var description: String {
        "\(call)\(endpoint.map { " \($0)" } ?? "") failed: \(String(cString: zmq_strerror(code))) (errno \(code))"
    }
}

/// One ZeroMQ context per process; sockets are created from it (one thread per socket).
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    public static let shared = ZMQContext()

    public init() {
        handle = zmq_ctx_new()
    }
}

public enum SocketKind: Sendable {
    case router, dealer

    var raw: Int32 { self == .router ? ZMQ_ROUTER : ZMQ_DEALER }
}

public struct SocketOptions: Sendable {
    /// ZMQ_MAXMSGSIZE: a peer sending a larger message is disconnected by libzmq.
    public var maxMessageBytes: Int = 64 << 20
    /// ZMTP heartbeats (ZMQ_HEARTBEAT_IVL / _TIMEOUT / _TTL); nil = off.
    public var heartbeatSeconds: Double? = 2
    /// Bounded send: a send that cannot complete within this fails instead of blocking.
    public var sendTimeoutSeconds: Double = 10
    /// ZMQ_LINGER: how long messages still queued at close keep being sent in the background
    /// (0: dropped at once). A replica's last words to the coordinator (bye, failure) need it.
    public var lingerSeconds: Double = 0
    /// CURVE security (Curve.swift); nil = plain (the status socket, the in-memory transport).
    public var curve: CurveRole? = nil
    /// Report this socket's connections closing (`takeDisconnects`): a connecting socket whose
    /// peer process ended, or whose network dropped for longer than the ZMTP heartbeat timeout.
    public var watchDisconnects = false
    /// DEALER/ROUTER routing identity (set before connect).
    public var identity: [UInt8]? = nil
    public init() {}
}

public final class ZMQSocket {
    let handle: UnsafeMutableRawPointer
    public let kind: SocketKind
    private var closed = false
    /// The socket's monitor (CURVE servers: failed handshakes; `watchDisconnects`: closed
    /// connections): a PAIR receiving the events, drained by the socket's thread.
    private var monitor: UnsafeMutableRawPointer?
    private var pendingHandshakeFailures = 0, pendingDisconnects = 0
    private static let monitors = ManagedAtomicCounter()

    public init(_ kind: SocketKind, options: SocketOptions = SocketOptions(), context: ZMQContext = .shared) throws {
        guard let h = zmq_socket(context.handle, kind.raw) else { throw TransportError(call: "zmq_socket", code: colad_errno()) }
        handle = h
        self.kind = kind
        try set(ZMQ_LINGER, Int32(options.lingerSeconds * 1000))
        try set(ZMQ_MAXMSGSIZE, Int64(options.maxMessageBytes))
        try set(ZMQ_SNDTIMEO, Int32(options.sendTimeoutSeconds * 1000))
        if let hb = options.heartbeatSeconds {
            try set(ZMQ_HEARTBEAT_IVL, Int32(hb * 1000))
            try set(ZMQ_HEARTBEAT_TIMEOUT, Int32(hb * 3000))
            try set(ZMQ_HEARTBEAT_TTL, Int32(hb * 3000))
        }
        if kind == .router { try set(ZMQ_ROUTER_MANDATORY, Int32(1)) }
        if let id = options.identity { try setBytes(ZMQ_ROUTING_ID, id) }
        switch options.curve {
        case nil:
            break
        case .server(let keys, let domain)?:
            try ZAPHandler.shared.start()
            try set(ZMQ_CURVE_SERVER, Int32(1))
            try setBytes(ZMQ_CURVE_SECRETKEY, keys.secretKey)
            try setBytes(ZMQ_ZAP_DOMAIN, Array(domain.utf8))
        case .client(let keys, let serverKey)?:
            try setBytes(ZMQ_CURVE_SERVERKEY, serverKey)
            try setBytes(ZMQ_CURVE_PUBLICKEY, keys.publicKey)
            try setBytes(ZMQ_CURVE_SECRETKEY, keys.secretKey)
        }
        var events: Int32 = 0
        if case .server? = options.curve {
            events |= ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        }
        if options.watchDisconnects { events |= ZMQ_EVENT_DISCONNECTED }
        if events != 0 { try startMonitor(context, events: events) }
    }

    deinit { close() }

    public func close() {
        if !closed {
            if let monitor { zmq_close(monitor) }
            zmq_close(handle); closed = true
        }
    }

    private func setBytes(_ option: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { b in
            guard zmq_setsockopt(handle, option, b.baseAddress, b.count) == 0 else {
                throw TransportError(call: "zmq_setsockopt(\(option))", code: colad_errno())
            }
        }
    }

    /// Socket events (a failed handshake: no encryption, another server key, a client key the ZAP
    /// handler refuses; a closed connection) arrive on an inproc PAIR this socket's thread drains.
    private func startMonitor(_ context: ZMQContext, events: Int32) throws {
        let endpoint = "inproc://colad-monitor-\(ZMQSocket.monitors.next())"
        guard zmq_socket_monitor(handle, endpoint, events) == 0, let pair = zmq_socket(context.handle, ZMQ_PAIR) else {
            throw TransportError(call: "zmq_socket_monitor", code: colad_errno(), endpoint: endpoint)
        }
        guard zmq_connect(pair, endpoint) == 0 else { throw TransportError(call: "zmq_connect", code: colad_errno(), endpoint: endpoint) }
        monitor = pair
    }

    /// Peers that failed the CURVE handshake since the last call (0 for a socket without CURVE).
    public func takeHandshakeFailures() -> Int {
        drainMonitor()
        defer { pendingHandshakeFailures = 0 }
        return pendingHandshakeFailures
    }

    /// Connections closed since the last call (only with `watchDisconnects`).
    public func takeDisconnects() -> Int {
        drainMonitor()
        defer { pendingDisconnects = 0 }
        return pendingDisconnects
    }

    /// An event is two frames: (event u16, value u32), then the peer's address.
    private func drainMonitor() {
        guard let monitor else { return }
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            guard zmq_msg_recv(&msg, monitor, ZMQ_DONTWAIT) >= 0 else { return }
            guard zmq_msg_more(&msg) != 0, zmq_msg_size(&msg) >= 2 else { continue }
            let event = Int32(UInt16(zmq_msg_data(&msg)!.loadUnaligned(as: UInt16.self)))
            if event == ZMQ_EVENT_DISCONNECTED { pendingDisconnects += 1 } else { pendingHandshakeFailures += 1 }
        }
    }

    func set<T: FixedWidthInteger>(_ option: Int32, _ value: T) throws {
        let rc = withUnsafeBytes(of: value) { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw TransportError(call: "zmq_setsockopt(\(option))", code: colad_errno()) }
    }

    /// Binds and returns the resolved endpoint (a `:*` or `:0` port becomes the real one).
    @discardableResult
    public func bind(_ endpoint: String) throws -> String {
        let ep = endpoint.hasSuffix(":0") ? String(endpoint.dropLast(2)) + ":*" : endpoint
        guard zmq_bind(handle, ep) == 0 else { throw TransportError(call: "zmq_bind", code: colad_errno(), endpoint: endpoint) }
        var buf = [CChar](repeating: 0, count: 512)
        var size = buf.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buf, &size) == 0 else {
            throw TransportError(call: "zmq_getsockopt(ZMQ_LAST_ENDPOINT)", code: colad_errno(), endpoint: endpoint)
        }
        return String(cString: buf)
    }

    public func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw TransportError(call: "zmq_connect", code: colad_errno(), endpoint: endpoint) }
    }

    /// Sends one multipart message. Throws on failure (e.g. EHOSTUNREACH: a ROUTER's peer is gone;
    /// EAGAIN: the send timeout passed).
    public func send(_ frames: [[UInt8]]) throws {
        for (i, f) in frames.enumerated() {
            let flags = i + 1 < frames.count ? ZMQ_SNDMORE : 0
            let rc = f.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            guard rc >= 0 else { throw TransportError(call: "zmq_send", code: colad_errno()) }
        }
    }

    /// Receives one multipart message, waiting at most `timeout` seconds; nil when none arrived.
    public func receive(timeout: Double) throws -> [[UInt8]]? {
        guard try ZMQSocket.poll([self], timeout: timeout).first == true else { return nil }
        return try receiveNow()
    }

    /// Receives a message that poll reported ready (does not block).
    public func receiveNow() throws -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let n = zmq_msg_recv(&msg, handle, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if n < 0 {
                let e = colad_errno()
                if frames.isEmpty && (e == colad_eagain() || e == colad_eintr()) { return nil }
                throw TransportError(call: "zmq_msg_recv", code: e)
            }
            let size = zmq_msg_size(&msg)
            let data = zmq_msg_data(&msg)!
            frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            if zmq_msg_more(&msg) == 0 { return frames }
        }
    }

    /// Which of `sockets` have a message waiting, after at most `timeout` seconds.
    public static func poll(_ sockets: [ZMQSocket], timeout: Double) throws -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let ms = max(0, Int(deadline.timeIntervalSinceNow * 1000))
            let rc = zmq_poll(&items, Int32(items.count), ms)
            if rc >= 0 { return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 } }
            let e = colad_errno()
            guard e == colad_eintr(), Date() < deadline else { throw TransportError(call: "zmq_poll", code: e) }
        }
    }
}

/// A process-wide counter for unique inproc names.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
