import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so readers never see a partial file: the bytes go to a temporary file in the
/// same directory, which is then renamed over the destination (rename(2) is atomic).
enum AtomicFile {
    static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: tmp)
        } catch {
            throw DatasetError(file: url.path, message: "cannot write file: \(error.localizedDescription)",
                               hint: "check that the directory exists and is writable")
        }
        guard rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw DatasetError(file: url.path, message: "cannot move the written file into place: \(reason)")
        }
    }
}
