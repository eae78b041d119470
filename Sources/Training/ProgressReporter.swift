// Progress of a training run: a single rewritten line on a terminal, plain log lines otherwise.
// The rate comes from the caller (`Journal.rate`, the same estimate status reports); the ETA
// counts to the launch's end (`--max-iters` included). The terminal is a `Console`, shared
// with the log lines, so a line printed while the progress line is open starts on its own line.
import Config
import Foundation

/// Standard output as the progress line and log lines share it: `progress` rewrites one open
/// line (terminal only), `line` first ends that open line, so the two never run together
/// (`ETA 9m23scheckpoint …`).
public final class Console: @unchecked Sendable {
    /// The process's stdout. mpirun hands its ranks a pseudo-terminal even when its own output
    /// goes to a file: no progress line there.
    public static let standard = Console(
        isTerminal: isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] == nil,
        write: { text in
            fflush(stdout)   // what `print` buffered goes first
            FileHandle.standardOutput.write(Data(text.utf8))
        })

    public let isTerminal: Bool
    private let write: (String) -> Void
    private let lock = NSLock()
    private var open = false

    public init(isTerminal: Bool, write: @escaping (String) -> Void) {
        self.isTerminal = isTerminal; self.write = write
    }

    /// Replaces the open progress line with `text` (a terminal only).
    func progress(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        write("\r\u{1B}[2K" + text)
        open = true
    }

    /// Ends the open progress line, if there is one.
    public func endLine() {
        lock.lock(); defer { lock.unlock() }
        if open { write("\n"); open = false }
    }

    /// Prints one log line, on a line of its own.
    public func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        write((open ? "\n" : "") + text + "\n")
        open = false
    }
}

public final class ProgressReporter {
    /// The schedule's length (shown) and the launch's end (the ETA counts to it; --max-iters).
    let total: Int
    let end: Int
    let logEvery: Int
    let log: (String) -> Void
    let console: Console

    public init(total: Int, end: Int, logEvery: Int, console: Console = .standard, log: @escaping (String) -> Void) {
        self.total = total; self.end = end; self.logEvery = max(1, logEvery); self.console = console; self.log = log
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
        if console.isTerminal {
            console.progress(line)
        } else if (r.iteration + 1) % logEvery == 0 || r.iteration == 0 || r.iteration + 1 == end {
            log(line)
        }
    }

    public func finish() { console.endLine() }
}

func formatDuration(_ s: Double) -> String {
    guard s.isFinite, s >= 0 else { return "?" }
    let t = Int(s.rounded())
    return t >= 3600 ? String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) : String(format: "%dm%02ds", t / 60, t % 60)
}
