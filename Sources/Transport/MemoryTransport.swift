// An in-process transport with ZeroMQ's ROUTER/DEALER semantics, for running the runtime's
// coordinator and workers on threads of one process without sockets (the way swift-nio's
// embedded channel tests a pipeline). Endpoints are names, `mem://NAME`; `mem://*` binds a
// fresh name. Semantics kept from the ZeroMQ setup colad uses:
// - a DEALER connects to a bound ROUTER; the ROUTER receives `[identity, part…]` (a DEALER
//   without an identity gets a generated one) and routes replies by identity;
// - ROUTER_MANDATORY: sending to an unknown or closed identity throws (EHOSTUNREACH);
// - ZMQ_MAXMSGSIZE: a message with a part larger than the receiver's limit is dropped;
// - every wait is bounded; queues are unbounded (tests are small).
// Differences: connect needs the endpoint bound already (ZeroMQ would queue); a second DEALER
// with an identity already connected takes it over (ZMQ_ROUTER_HANDOVER).
import Foundation

public final class MemoryTransport: MessageTransport, @unchecked Sendable {
    /// Guards every socket's queue and the endpoint table; signalled on each delivery.
    let condition = NSCondition()
    var bound: [String: WeakSocket] = [:]
    var names = 0

    public init() {}

    public func socket(_ kind: SocketKind, options: SocketOptions) throws -> MessageSocket {
        MemorySocket(transport: self, kind: kind, options: options)
    }

    public func poll(_ sockets: [MessageSocket], timeout: Double) throws -> [Bool] {
        let mine = sockets.map { s -> MemorySocket in
            guard let m = s as? MemorySocket, m.transport === self else {
                preconditionFailure("MemoryTransport.poll: a socket of another transport")
            }
            return m
        }
        let deadline = Date().addingTimeInterval(max(0, timeout))
        condition.lock()
        defer { condition.unlock() }
        while true {
            let ready = mine.map { !$0.queue.isEmpty }
            if ready.contains(true) || Date() >= deadline { return ready }
            _ = condition.wait(until: deadline)
        }
    }

    /// Called with the lock held.
    func uniqueName(_ prefix: String) -> String {
        names += 1
        return "\(prefix)\(names)"
    }
}

final class MemorySocket: MessageSocket {
    let transport: MemoryTransport
    let kind: SocketKind
    let options: SocketOptions
    // Guarded by transport.condition:
    var queue: [[[UInt8]]] = []
    var endpoint: String?                        // ROUTER: where it is bound
    var peers: [[UInt8]: WeakSocket] = [:]       // ROUTER: identity → DEALER
    var router: MemorySocket?                    // DEALER: where it is connected
    var identity: [UInt8] = []
    var closed = false

    init(transport: MemoryTransport, kind: SocketKind, options: SocketOptions) {
        self.transport = transport; self.kind = kind; self.options = options
    }

    deinit { close() }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        transport.condition.lock()
        defer { transport.condition.unlock() }
        return try body()
    }

    func bind(_ endpoint: String) throws -> String {
        try locked {
            guard kind == .router, endpoint.hasPrefix("mem://") else {
                throw TransportError(call: "bind", code: EINVAL, endpoint: endpoint)
            }
            var name = endpoint
            if name.hasSuffix("*") || name.hasSuffix(":0") { name = transport.uniqueName("mem://auto-") }
            guard transport.bound[name]?.socket == nil else { throw TransportError(call: "bind", code: EADDRINUSE, endpoint: endpoint) }
            transport.bound[name] = WeakSocket(socket: self)
            self.endpoint = name
            return name
        }
    }

    func connect(_ endpoint: String) throws {
        try locked {
            guard kind == .dealer, let r = transport.bound[endpoint]?.socket, !r.closed else {
                throw TransportError(call: "connect", code: ECONNREFUSED, endpoint: endpoint)
            }
            identity = options.identity ?? Array(transport.uniqueName("anonymous-").utf8)
            router = r
            r.peers[identity] = WeakSocket(socket: self)
        }
    }

    func send(_ frames: [[UInt8]]) throws {
        try locked {
            guard !closed else { throw TransportError(call: "zmq_send", code: ENOTSOCK) }
            switch kind {
            case .dealer:
                guard let r = router, !r.closed else { throw TransportError(call: "zmq_send", code: EHOSTUNREACH) }
                r.deliver([identity] + frames)
            case .router:
                guard let id = frames.first, let d = peers[id]?.socket, !d.closed else { throw TransportError(call: "zmq_send", code: EHOSTUNREACH) }
                d.deliver(Array(frames.dropFirst()))
            }
            transport.condition.broadcast()
        }
    }

    /// Called with the lock held.
    private func deliver(_ message: [[UInt8]]) {
        guard !closed, message.allSatisfy({ $0.count <= options.maxMessageBytes }) else { return }
        queue.append(message)
    }

    func receive(timeout: Double) throws -> [[UInt8]]? {
        guard try transport.poll([self], timeout: timeout).first == true else { return nil }
        return try receiveNow()
    }

    /// The in-memory transport has no handshake (and no CURVE): nobody is refused there.
    func takeHandshakeFailures() -> Int { 0 }
    func takeDisconnects() -> Int { 0 }

    func receiveNow() throws -> [[UInt8]]? {
        locked { queue.isEmpty ? nil : queue.removeFirst() }
    }

    func close() {
        locked {
            guard !closed else { return }
            closed = true
            queue = []
            if let endpoint, transport.bound[endpoint]?.socket === self { transport.bound[endpoint] = nil }
            if let router, router.peers[identity]?.socket === self { router.peers[identity] = nil }
        }
    }
}

/// The transport and a ROUTER refer to sockets weakly, so an unclosed socket still goes away.
struct WeakSocket {
    weak var socket: MemorySocket?
}
