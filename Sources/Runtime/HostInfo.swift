// Host facts for messages, the status table and advertised endpoints.
import Foundation

/// Host facts for messages and the status table.
enum HostInfo {
    static var name: String { ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost" }
    static var pid: Int { Int(ProcessInfo.processInfo.processIdentifier) }

    /// The address peers on other hosts reach this one at: the first non-loopback IPv4 address.
    static func advertisedAddress() -> String {
        var result = "127.0.0.1"
        var ifaddr: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&ifaddr) == 0, let first = ifaddr else { return result }
        defer { freeifaddrs(ifaddr) }
        var p: UnsafeMutablePointer<ifaddrs>? = first
        while let cur = p {
            if let sa = cur.pointee.ifa_addr, sa.pointee.sa_family == UInt8(AF_INET) {
                var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(sa, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                    let s = String(cString: host)
                    if !s.hasPrefix("127.") { result = s; break }
                }
            }
            p = cur.pointee.ifa_next
        }
        return result
    }
}
