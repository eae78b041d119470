import ArgumentParser
import Foundation
import Engine
import Runtime

struct BenchComm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comm",
        abstract: "Communication costs: coordinator decision round trip, pair-channel messages, a run's step breakdown.",
        discussion: """
        The round trip runs a real coordinator (its loop, message checks and CoLAD rule) on a thread with
        two worker sockets over loopback TCP, then over ipc:// (Unix sockets, what single-host jobs use):
        time from the last Stats sent to the Decision received.
        The pair channel sends the small preset's Assignment (batch 8) and Predictions messages and
        echoes them. --metrics F adds the median phase times of a distributed run's metrics.jsonl
        and the share of the step spent communicating (all-reduce + pair channel + coordinator wait).
        """)

    @Option(help: "Decision round trips to time.") var iterations = 2000
    @Option(help: "Repeats of each pair message.") var repeats = 200
    @Option(help: "A distributed run's metrics.jsonl to break down.") var metrics: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        do {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("colad-bench-comm-\(getpid())")
            defer { try? FileManager.default.removeItem(at: dir) }
            let rtt = try CommBenchmark.decisionRoundTrips(iterations: iterations, workDir: dir)
            let ipcPath = "ipc://\(NSTemporaryDirectory())colad-bench-\(getpid()).sock"
            let rttIPC = try CommBenchmark.decisionRoundTrips(iterations: iterations, workDir: dir.appendingPathComponent("ipc"), bind: ipcPath)
            // small preset, batch 8, 128×128: 336 anchors per image, 6 classes.
            let anchors = 336, batch = 8, classes = 6
            let assignmentBytes = 4 + batch * (4 + 4 * anchors)
            let predictionBytes = 3 * 4 + 3 * (4 + 4 * 8 + 4) + 4 * batch * anchors * (classes + 4 + 1)
            let asg = try CommBenchmark.pairOneWay(bytes: assignmentBytes, repeats: repeats)
            let pred = try CommBenchmark.pairOneWay(bytes: predictionBytes, repeats: repeats)
            var result: [String: Any] = [
                "decision_rtt_us_median": median(rtt) * 1e6, "decision_rtt_us_p90": SampleStatistics.percentile(rtt, 0.9) * 1e6,
                "decision_rtt_us_p99": SampleStatistics.percentile(rtt, 0.99) * 1e6, "decision_iterations": rtt.count,
                "pair_assignment_bytes": assignmentBytes, "pair_assignment_us_median": median(asg) * 1e6,
                "pair_predictions_bytes": predictionBytes, "pair_predictions_us_median": median(pred) * 1e6,
            ]
            if let metrics { result["breakdown"] = try CommBenchmark.breakdown(metrics: URL(fileURLWithPath: metrics)) }
            if json { printJSON(result); return }
            print(String(format: "decision round trip (stats sent → decision received), %d iterations: median %.0f µs, p90 %.0f µs, p99 %.0f µs",
                         rtt.count, median(rtt) * 1e6, SampleStatistics.percentile(rtt, 0.9) * 1e6, SampleStatistics.percentile(rtt, 0.99) * 1e6))
            print(String(format: "decision round trip over ipc:// (what single-host jobs use): median %.0f µs, p90 %.0f µs",
                         median(rttIPC) * 1e6, SampleStatistics.percentile(rttIPC, 0.9) * 1e6))
            print(String(format: "pair channel, one way: assignment %d B %.0f µs, predictions %d B %.0f µs (medians of %d)",
                         assignmentBytes, median(asg) * 1e6, predictionBytes, median(pred) * 1e6, repeats))
            if let b = result["breakdown"] as? [String: Any], let med = b["median_phase_s"] as? [String: Double] {
                print(String(format: "step breakdown of %@ (%d iterations, medians): step %.1f ms, communication %.1f ms = %.1f%%",
                             metrics!, b["iterations"] as! Int, (b["median_step_s"] as! Double) * 1e3, (b["comm_s"] as! Double) * 1e3,
                             (b["comm_fraction"] as! Double) * 100))
                for (k, v) in med.sorted(by: { $0.key < $1.key }) { print(String(format: "  %-17@ %8.2f ms", k as NSString, v * 1e3)) }
            }
        } catch { fail(error) }
    }
}
