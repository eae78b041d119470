// metrics.jsonl: one JSON object per line (training iterations, evaluations), appended and
// flushed line by line so a crash loses at most the line being written.
import Engine
import Foundation

public final class MetricsLog {
    private let handle: FileHandle
    public let url: URL

    /// Opens (creating if needed) `url` for appending. With `truncateAfterIteration`, lines of
    /// iterations beyond it are dropped first (a resumed run rewrites its future).
    public init(url: URL, truncateAfterIteration: Int? = nil) throws {
        self.url = url
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let limit = truncateAfterIteration, let text = try? String(contentsOf: url, encoding: .utf8) {
            let kept = text.split(separator: "\n").filter { line in
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let it = obj["iteration"] as? Int else { return true }
                return it <= limit
            }
            try Engine.writeAtomically(Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8), to: url)
        }
        if !fm.fileExists(atPath: url.path) { _ = fm.createFile(atPath: url.path, contents: nil) }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Throws when the line cannot be written (a full disk must stop the run, not lose its record).
    public func append(_ record: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        do { try handle.write(contentsOf: data + Data("\n".utf8)) } catch {
            throw TrainingError("cannot append to \(url.path): \(error.localizedDescription)", hint: "check free space; the run stops with its last checkpoint intact")
        }
    }
}
