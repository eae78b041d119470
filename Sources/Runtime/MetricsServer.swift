// A minimal HTTP/1.1 server for Prometheus scrapes (monitor.prometheus_port): GET /metrics
// answers the latest published text, anything else 404 (405 for other methods). Its own thread
// serves one connection at a time; every read and write has a 2 s deadline and a request is at
// most 8 KiB, so a client that connects and says nothing cannot hold it. The coordinator's loop
// publishes the text (OpenMetrics.render of its status) at most twice a second; a scrape sees a
// snapshot at most that old. Read-only: it accepts no input beyond the request line.
import Foundation
import Training
#if canImport(Glibc)
import Glibc
#endif

public final class MetricsServer: @unchecked Sendable {
    /// The bound address and port (port 0 in the config: the one the kernel chose).
    public let host: String
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var body = "# EOF\n"
    private var stopping = false
    private let stopped = DispatchSemaphore(value: 0)

    /// Binds `host:port` (IPv4 address, or "localhost"); throws naming the config keys.
    public init(host: String, port: Int) throws {
        let address = host == "localhost" ? "127.0.0.1" : host
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, address, &addr.sin_addr) == 1 else {
            throw TrainingError("monitor.prometheus_host: '\(host)' is not an IPv4 address", hint: "127.0.0.1 (loopback) or 0.0.0.0 (every interface)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TrainingError("cannot create the /metrics socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TrainingError("cannot listen for /metrics on \(host):\(port): \(why)",
                                hint: "set monitor.prometheus_port to a free port (0 = any free port, written to WORK_DIR/metrics-endpoint)")
        }
        var got = sockaddr_in(), len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &got) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        listener = fd
        self.host = host
        self.port = Int(UInt16(bigEndian: got.sin_port))
        let t = Thread { [self] in serve() }
        t.name = "colad-metrics"
        t.start()
    }

    /// The text the next scrape gets.
    public func publish(_ text: String) { lock.lock(); body = text; lock.unlock() }

    /// Stops serving (waits up to 1 s for the thread) and closes the socket.
    public func close() {
        lock.lock(); let already = stopping; stopping = true; lock.unlock()
        guard !already else { return }
        _ = stopped.wait(timeout: .now() + 1)
        Glibc.close(listener)
    }

    private var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    private func serve() {
        defer { stopped.signal() }
        while !isStopping {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            answer(client)
            Glibc.close(client)
        }
    }

    private func answer(_ fd: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192, !request.ends(with: [13, 10, 13, 10]) && !request.ends(with: [10, 10]) {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            request += buffer[0..<n]
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let (status, type, text): (String, String, String)
        if line.count < 2 {
            (status, type, text) = ("400 Bad Request", "text/plain; charset=utf-8", "expected: GET /metrics\n")
        } else if line[0] != "GET" && line[0] != "HEAD" {
            (status, type, text) = ("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET /metrics\n")
        } else if line[1] == "/metrics" || line[1].hasPrefix("/metrics?") {
            lock.lock(); let b = body; lock.unlock()
            (status, type, text) = ("200 OK", OpenMetrics.contentType, b)
        } else {
            (status, type, text) = ("404 Not Found", "text/plain; charset=utf-8", "colad serves /metrics only\n")
        }
        let payload = Array(text.utf8)
        var out = Array("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n".utf8)
        if line.first != "HEAD" { out += payload }
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }
}

extension MetricsServer {
    /// GET `path` from an HTTP server at an IPv4 `host:port` (2 s deadlines); the whole response
    /// (status line, headers, body). For benchmarks and tests; Prometheus is the real client.
    public static func get(host: String, port: Int, path: String = "/metrics") throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TrainingError("socket: \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw TrainingError("not an IPv4 address: \(host)") }
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { throw TrainingError("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { throw TrainingError("cannot send to \(host):\(port)") }
        var response: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65536)
        while response.count < 64 << 20 {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { break }
            guard n > 0 else { throw TrainingError("no answer from \(host):\(port) within 2 s") }
            response += buffer[0..<n]
        }
        return String(decoding: response, as: UTF8.self)
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
