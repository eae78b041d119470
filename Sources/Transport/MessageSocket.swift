// What the runtime needs of a socket: ROUTER/DEALER multipart messaging with bounded waits.
// Two transports implement it: ZeroMQ (`ZMQTransport`, what jobs use) and `MemoryTransport`
// (one process, no sockets: the runtime's coordinator and worker logic under test). The
// runtime is written against these protocols only; which transport it gets is the caller's
// choice.

import Foundation

/// A multipart-message socket. A ROUTER receives `[identity, part…]` and sends to an identity
/// the same way; a DEALER sends and receives its parts as they are.
public protocol MessageSocket: AnyObject {
    var kind: SocketKind { get }
    /// Binds and returns the endpoint peers connect to (a port 0 or `*` becomes the real one).
    @discardableResult func bind(_ endpoint: String) throws -> String
    func connect(_ endpoint: String) throws
    /// Sends one multipart message; throws when it cannot be delivered (ROUTER: unknown or gone
    /// peer; a full queue past the send timeout).
    func send(_ frames: [[UInt8]]) throws
    /// One multipart message, waiting at most `timeout` seconds; nil when none arrived.
    func receive(timeout: Double) throws -> [[UInt8]]?
    /// A waiting message, or nil at once.
    func receiveNow() throws -> [[UInt8]]?
    /// Peers refused at the handshake since the last call (CURVE servers; 0 otherwise).
    func takeHandshakeFailures() -> Int
    /// Connections closed since the last call (sockets made with `watchDisconnects`; 0 otherwise).
    func takeDisconnects() -> Int
    func close()
}

/// Makes sockets and waits on several of them at once.
public protocol MessageTransport: Sendable {
    func socket(_ kind: SocketKind, options: SocketOptions) throws -> MessageSocket
    /// Which of `sockets` (all made by this transport) have a message waiting, after at most
    /// `timeout` seconds.
    func poll(_ sockets: [MessageSocket], timeout: Double) throws -> [Bool]
}

/// libzmq: the transport of real jobs (tcp:// and ipc:// endpoints).
public struct ZMQTransport: MessageTransport {
    public init() {}

    public func socket(_ kind: SocketKind, options: SocketOptions) throws -> MessageSocket {
        try ZMQSocket(kind, options: options)
    }

    public func poll(_ sockets: [MessageSocket], timeout: Double) throws -> [Bool] {
        try ZMQSocket.poll(sockets.map { s -> ZMQSocket in
            guard let z = s as? ZMQSocket else { preconditionFailure("ZMQTransport.poll: \(type(of: s)) is not a ZMQSocket") }
            return z
        }, timeout: timeout)
    }
}

extension ZMQSocket: MessageSocket {}

extension MessageSocket {
    /// One multipart message, waiting until `deadline` at the most (in slices of ≤ 0.5 s, so a
    /// caller's loop can look at other things); nil when none arrived.
    public func receive(until deadline: Date) throws -> [[UInt8]]? {
        try receive(timeout: min(0.5, max(0.001, deadline.timeIntervalSinceNow)))
    }
}
