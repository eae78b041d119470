// Who is who in one job (DESIGN.md §1): the coordinator (world rank 0, unless an external
// `colad coordinator` runs it), then network A's k workers, then network B's k workers.
// Worker A_i and B_i form pair i and read the same images.
import Config
import Foundation

public struct JobTopology: Equatable, Sendable {
    public let worldSize: Int
    /// Ranks per network.
    public let k: Int
    public let networks: [NetworkID]
    /// World rank of the coordinator, or nil when it is an external process.
    public let coordinatorRank: Int?

    public init(worldSize: Int, config: TrainingConfig) throws {
        self.worldSize = worldSize
        networks = config.networks
        k = try config.distributed.ranksPerNetwork(worldSize: worldSize, networkCount: networks.count)
        coordinatorRank = config.distributed.coordinator == nil ? 0 : nil
    }

    var firstWorker: Int { coordinatorRank == nil ? 0 : 1 }

    public enum Role: Equatable, Sendable {
        case coordinator
        case worker(network: NetworkID, groupRank: Int)
    }

    public func role(of rank: Int) -> Role {
        if rank == coordinatorRank { return .coordinator }
        let w = rank - firstWorker
        return .worker(network: networks[w / k], groupRank: w % k)
    }

    public func rank(of network: NetworkID, groupRank: Int) -> Int {
        firstWorker + networks.firstIndex(of: network)! * k + groupRank
    }

    /// The other network's worker of the same pair (nil for baseline).
    public func peer(of network: NetworkID, groupRank: Int) -> Int? {
        guard networks.count == 2 else { return nil }
        return rank(of: network == .a ? .b : .a, groupRank: groupRank)
    }

    public var workerRanks: [Int] { Array(firstWorker..<(firstWorker + networks.count * k)) }
}

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
