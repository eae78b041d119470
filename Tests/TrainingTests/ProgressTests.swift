import Config
import Foundation
@testable import Training
import XCTest

/// The progress line on a terminal: never glued to a log line, ETA to the launch's end.
final class ProgressTests: XCTestCase {
    /// What a terminal receives, with the progress line's rewrites resolved to what stays on
    /// screen (each "\r\e[2K" clears the line being written).
    final class Screen: @unchecked Sendable {
        var raw = ""
        lazy var console = Console(isTerminal: true, write: { self.raw += $0 })
        var lines: [String] {
            raw.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                String(line.components(separatedBy: "\r\u{1B}[2K").last!)
            }
        }
    }

    func record(_ t: Int) -> IterationRecord {
        var r = IterationRecord(iteration: t)
        r.images = 2; r.times = ["forward": 0.5, "step": 0.5]
        r.networks[.a] = NetworkRecord(cls: 1, box: 1, iou: 1, numPositives: 3, lr: 0.01)
        return r
    }

    /// A checkpoint (a journal log line) while the progress line is open starts on its own
    /// line, whether the caller's log writes through the console or elsewhere (print).
    func testLogLinesNeverGlueToTheProgressLine() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for throughConsole in [true, false] {
            let screen = Screen()
            let log: (String) -> Void = throughConsole ? { screen.console.line($0) } : { screen.raw += $0 + "\n" }
            let j = try Journal(config: miniConfig(.baseline, iterations: 10), workDir: dir, start: 0, console: screen.console, log: log)
            let t0 = Date(timeIntervalSince1970: 0)
            try j.write(.record(record(0)), at: t0)
            try j.write(.record(record(1)), at: t0.addingTimeInterval(1))
            try j.write(.checkpoint(iteration: 2, saved: [.a: Saved(network: .a, optimizerSteps: 2, epoch: 0, iterationInEpoch: 2)],
                                    history: TeacherHistory()), at: t0.addingTimeInterval(2))
            try j.write(.record(record(2)), at: t0.addingTimeInterval(3))
            screen.console.line("a line from elsewhere")
            _ = j.finish()
            let lines = screen.lines
            XCTAssertFalse(screen.raw.contains("scheckpoint"), screen.raw)
            XCTAssertTrue(lines.contains { $0.hasPrefix("[    2/10]") && $0.hasSuffix("ETA 0m08s") }, "\(lines)")
            XCTAssertTrue(lines.contains("checkpoint \(dir.path)/checkpoints/iter_0000002"), "\(lines)")
            XCTAssertTrue(lines.contains("a line from elsewhere"), "\(lines)")
            XCTAssertEqual(lines.last, "", "finish ends the progress line")
        }
    }

    /// The ETA counts to the launch's end: with --max-iters (stopAfter) that is where the
    /// launch stops, not the schedule's end. Launch.open hands the ledger's end to the journal.
    func testETACountsToTheLaunchsEnd() throws {
        for (end, eta) in [(10, "0m05s"), (100, "1m35s")] {
            let screen = Screen()
            let p = ProgressReporter(total: 100, end: end, logEvery: 1, console: screen.console, log: { _ in })
            p.update(record(4), rate: (2, 1))
            XCTAssertTrue(screen.raw.hasSuffix("[    5/100]  a: loss 3.000 (cls 1.000 box 1.000 iou 1.000) pos 3  lr 1.00e-02  2.0 img/s  ETA \(eta)"),
                          screen.raw)
        }
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = miniConfig(.baseline, iterations: 50)
        let plan = ModePlan(config)
        for (stopAfter, end) in [(Int?.none, 50), (3, 3), (80, 50)] {
            let launch = try Launch.open(config: config, plan: plan, topology: JobTopology(k: 1, networks: plan.networks, coordinatorRank: nil),
                                         workDir: dir, resume: false, stopAfter: stopAfter, log: { _ in })
            XCTAssertEqual(launch.journal.progress.end, end, "--max-iters \(String(describing: stopAfter))")
            XCTAssertEqual(launch.ledger.end, end)
        }
    }
}
