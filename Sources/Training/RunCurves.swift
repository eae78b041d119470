// A training run's curves read back from WORK_DIR/metrics.jsonl through ScalarTags (the one tag
// scheme): per tag, (step, value) in increasing step. The reading side of `colad plot`; what is
// drawn from it is CurvePlot's business.
import Foundation

public struct CurvePoint: Equatable, Sendable {
    public var step: Int
    public var value: Double
    public init(step: Int, value: Double) { self.step = step; self.value = value }
}

public struct RunCurves: Equatable, Sendable {
    /// The run's name in legends and CSV rows.
    public var name: String
    /// Per ScalarTags tag, its points by increasing step; a step written twice keeps the later line.
    public var series: [String: [CurvePoint]]

    public init(name: String, series: [String: [CurvePoint]]) { self.name = name; self.series = series }

    /// Reads each RUN_DIR/metrics.jsonl. A run is named by its directory's last path component,
    /// or by the path as given when two runs share that name (seed0/run, seed1/run).
    public static func load(runDirs: [String]) throws -> [RunCurves] {
        let dirs = runDirs.map { URL(fileURLWithPath: $0) }
        let last = dirs.map(\.lastPathComponent)
        return try zip(runDirs, dirs).map { given, dir in
            try load(runDir: dir, name: last.filter { $0 == dir.lastPathComponent }.count > 1 ? given : dir.lastPathComponent)
        }
    }

    public static func load(runDir: URL, name: String) throws -> RunCurves {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDir.path, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingError("\(runDir.path): no such run directory", hint: "give the work dir of a training run (colad train --work-dir DIR)")
        }
        let file = runDir.appendingPathComponent("metrics.jsonl")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw TrainingError("\(runDir.path): no metrics.jsonl in this run directory",
                                hint: "give the work dir of a training run: colad train --work-dir DIR writes DIR/metrics.jsonl from its first iteration")
        }
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw TrainingError("\(file.path): cannot read: \(error.localizedDescription)", hint: "check the file's permissions")
        }
        return try parse(text, name: name, file: file.path)
    }

    /// Parses metrics.jsonl text (`file` names it in errors). Blank lines are skipped, and so is
    /// an unterminated last line (a running job is writing it); any other line that is not a
    /// JSON object is an error naming its line number.
    public static func parse(_ text: String, name: String, file: String) throws -> RunCurves {
        var byTag: [String: [Int: Double]] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
        for (i, line) in lines.enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                let shown = line.count > 60 ? String(line.prefix(60)) + "…" : String(line)
                throw TrainingError("\(file):\(i + 1): not a JSON object: \(shown)",
                                    hint: "metrics.jsonl holds one JSON object per line; a run killed mid-write can leave its last line cut short — delete that line")
            }
            for s in ScalarTags.scalars(object) { byTag[s.tag, default: [:]][s.step] = s.value }
        }
        return RunCurves(name: name, series: byTag.mapValues { steps in
            steps.keys.sorted().map { CurvePoint(step: $0, value: steps[$0]!) }
        })
    }
}
