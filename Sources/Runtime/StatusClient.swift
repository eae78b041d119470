// A status client (what `colad status` uses; docs/status-protocol.md describes the same
// exchange for clients in other languages).
import Foundation
import Transport

public enum StatusClient {
    /// Sends one request and returns the JSON reply; throws after `timeout` seconds without one.
    public static func request(endpoint: String, kind: UInt8 = MessageKind.statusRequest.rawValue, body: [String: Any] = [:],
                               timeout: Double = 5, transport: MessageTransport = ZMQTransport()) throws -> [String: Any] {
        var opts = SocketOptions(); opts.heartbeatSeconds = nil
        let socket = try transport.socket(.dealer, options: opts)
        defer { socket.close() }
        try socket.connect(endpoint)
        let payload = Array(try JSONSerialization.data(withJSONObject: body))
        try socket.send([Frame(type: kind, jobId: 0, iteration: 0, sender: -1, payload: payload).encoded()])
        guard let frames = try socket.receive(timeout: timeout), let bytes = frames.last else {
            throw StatusError("no reply from \(endpoint) within \(timeout) s",
                              hint: "is the job running? its endpoint is printed at start-up and written to WORK_DIR/status-endpoint")
        }
        let f: Frame
        do { f = try Frame.decode(bytes, jobId: nil, maxPayload: 64 << 20) } catch {
            throw StatusError("malformed reply from \(endpoint): \(error)", hint: "is this a colad status endpoint?")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(f.payload)) as? [String: Any] else {
            throw StatusError("reply from \(endpoint) is not a JSON object", hint: "is this a colad status endpoint?")
        }
        return obj
    }

    public static var controlKind: UInt8 { MessageKind.controlRequest.rawValue }
}

public struct StatusError: Error, CustomStringConvertible {
    public var message: String, hint: String
    public init(_ message: String, hint: String) { self.message = message; self.hint = hint }
    public var description: String { "\(message)\nhint: \(hint)" }
}
