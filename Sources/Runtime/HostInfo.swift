// Host facts for messages, the status table and advertised endpoints.
import Foundation
import Training

/// Host facts for messages and the status table.
enum HostInfo {
    /// Read once (a signal handler reads it too).
    static let name: String = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
    static let pid = Int(ProcessInfo.processInfo.processIdentifier)

    /// The address the job's TCP sockets bind to and peers on other hosts reach: the IPv4 address
    /// of COLAD_IFACE when set, else the first non-loopback IPv4 address.
    static func jobAddress() throws -> String {
        let addresses = ipv4Addresses()
        if let iface = ProcessInfo.processInfo.environment["COLAD_IFACE"], !iface.isEmpty {
            guard let a = addresses.first(where: { $0.interface == iface }) else {
                throw TrainingError("COLAD_IFACE=\(iface): no IPv4 address on that interface (have: "
                                    + addresses.map { "\($0.interface) \($0.address)" }.joined(separator: ", ") + ")",
                                    hint: "set COLAD_IFACE to the interface the hosts reach each other on, or unset it")
            }
            return a.address
        }
        return addresses.first { !$0.address.hasPrefix("127.") }?.address ?? "127.0.0.1"
    }

    static func ipv4Addresses() -> [(interface: String, address: String)] {
        var result: [(String, String)] = []
        var ifaddr: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&ifaddr) == 0, let first = ifaddr else { return result }
        defer { freeifaddrs(ifaddr) }
        var p: UnsafeMutablePointer<ifaddrs>? = first
        while let cur = p {
            if let sa = cur.pointee.ifa_addr, sa.pointee.sa_family == UInt8(AF_INET) {
                var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(sa, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                    result.append((String(cString: cur.pointee.ifa_name), String(cString: host)))
                }
            }
            p = cur.pointee.ifa_next
        }
        return result
    }
}
