// This process's memory as the kernel counts it: the resident set now (/proc/self/statm) and
// its peak so far (getrusage's ru_maxrss, which Linux reports in KiB).
import Foundation

public enum ProcessMemory {
    /// Bytes resident now; nil where /proc/self/statm cannot be read.
    public static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The largest resident set this process has had, in bytes.
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
