// Progress of a training run: a single rewritten line on a terminal, plain log lines otherwise.
// The rate comes from the caller (`Journal.rate`, the same estimate status reports).
import Config
import Foundation

public final class ProgressReporter {
    /// The schedule's length (shown) and the launch's end (the ETA counts to it; --max-iters).
    let total: Int
    let end: Int
    let logEvery: Int
    let log: (String) -> Void
    // mpirun hands its ranks a pseudo-terminal even when its own output goes to a file: plain lines there.
    let tty = isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] == nil
    var lastLine = ""

    public init(total: Int, end: Int, logEvery: Int, log: @escaping (String) -> Void) {
        self.total = total; self.end = end; self.logEvery = max(1, logEvery); self.log = log
    }

    /// `rate`: images per second and seconds per iteration, recently.
    public func update(_ r: IterationRecord, rate: (imagesPerSecond: Double, secondsPerIteration: Double)) {
        let eta = Double(max(0, end - r.iteration - 1)) * rate.secondsPerIteration
        var parts: [String] = [String(format: "[%5d/%d]", r.iteration + 1, total)]
        for (id, n) in r.networks.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            parts.append(String(format: "%@: loss %.3f (cls %.3f box %.3f iou %.3f) pos %d", id.rawValue, n.total, n.cls, n.box, n.iou, n.numPositives))
        }
        if let d = r.decision { parts.append(d.teacher.map { "teacher \($0.rawValue)" } ?? String(format: "B-ratio %.2f", d.teacherBRatio)) }
        let lr = r.networks.values.first?.lr ?? 0
        parts.append(String(format: "lr %.2e  %.1f img/s  ETA %@", lr, rate.imagesPerSecond, formatDuration(eta)))
        let line = parts.joined(separator: "  ")
        if tty {
            FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(line)".utf8))
            lastLine = line
        } else if (r.iteration + 1) % logEvery == 0 || r.iteration == 0 || r.iteration + 1 == end {
            log(line)
        }
    }

    public func finish() { if tty && !lastLine.isEmpty { FileHandle.standardOutput.write(Data("\n".utf8)); lastLine = "" } }
}

func formatDuration(_ s: Double) -> String {
    guard s.isFinite, s >= 0 else { return "?" }
    let t = Int(s.rounded())
    return t >= 3600 ? String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) : String(format: "%dm%02ds", t / 60, t % 60)
}
