import ArgumentParser
import Foundation
import Engine
import Runtime

struct BenchComm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comm",
        abstract: "Communication costs: coordinator decision round trip, pair-channel messages, a run's step breakdown.",
        discussion: """
        The round trip runs a real coordinator (its loop, message checks and CoLAD rule) on a thread with \
        two worker sockets over loopback TCP, then over ipc:// (Unix sockets, what single-host jobs use):
        time from the last Stats sent to the Decision received. Every channel is measured with CURVE \
        (authenticated and encrypted, as jobs run) and plain, in alternating rounds. \
        The pair channel sends the small preset's Assignment (batch 8) and Predictions messages and \
        echoes them. --metrics F adds the median phase times of a distributed run's metrics.jsonl \
        and the share of the step spent communicating (all-reduce + pair channel + coordinator wait), \
        per phase the slowest worker's time; --trace F (a run's trace.json, colad train --trace) adds each \
        worker's own share (its waits ÷ its iteration, median over iterations) and their mean.
        """)

    @Option(help: "Decision round trips to time.") var iterations = 2000
    @Option(help: "Repeats of each pair message.") var repeats = 200
    @Option(help: "A distributed run's metrics.jsonl to break down.") var metrics: String?
    @Option(help: "A distributed run's trace.json (colad train --trace): each worker's own communication share.") var trace: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        do {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("colad-bench-comm-\(getpid())")
            defer { try? FileManager.default.removeItem(at: dir) }
            // Encrypted (CURVE, what jobs use) and plain, alternating rounds so the ratio is measured in one run.
            var rtt: [Double] = [], rttPlain: [Double] = [], rttIPC: [Double] = [], rttIPCPlain: [Double] = []
            let ipcPath = "ipc://\(NSTemporaryDirectory())colad-bench-\(getpid()).sock"
            let rounds = 3, per = max(1, iterations / rounds)
            for r in 0..<rounds {
                rtt += try CommBenchmark.decisionRoundTrips(iterations: per, workDir: dir.appendingPathComponent("tcp-\(r)"), curve: true)
                rttPlain += try CommBenchmark.decisionRoundTrips(iterations: per, workDir: dir.appendingPathComponent("tcp-plain-\(r)"), curve: false)
                rttIPC += try CommBenchmark.decisionRoundTrips(iterations: per, workDir: dir.appendingPathComponent("ipc-\(r)"), bind: ipcPath, curve: true)
                rttIPCPlain += try CommBenchmark.decisionRoundTrips(iterations: per, workDir: dir.appendingPathComponent("ipc-plain-\(r)"), bind: ipcPath, curve: false)
            }
            // small preset, batch 8, 128×128: 336 anchors per image, 6 classes.
            let anchors = 336, batch = 8, classes = 6
            let assignmentBytes = 4 + batch * (4 + 4 * anchors)
            let predictionBytes = 3 * 4 + 3 * (4 + 4 * 8 + 4) + 4 * batch * anchors * (classes + 4 + 1)
            var asg: [Double] = [], asgPlain: [Double] = [], pred: [Double] = [], predPlain: [Double] = []
            for _ in 0..<rounds {
                asg += try CommBenchmark.pairOneWay(bytes: assignmentBytes, repeats: repeats / rounds, curve: true)
                asgPlain += try CommBenchmark.pairOneWay(bytes: assignmentBytes, repeats: repeats / rounds, curve: false)
                pred += try CommBenchmark.pairOneWay(bytes: predictionBytes, repeats: repeats / rounds, curve: true)
                predPlain += try CommBenchmark.pairOneWay(bytes: predictionBytes, repeats: repeats / rounds, curve: false)
            }
            var result: [String: Any] = [
                "decision_rtt_us_median": median(rtt) * 1e6, "decision_rtt_us_p90": SampleStatistics.percentile(rtt, 0.9) * 1e6,
                "decision_rtt_us_p99": SampleStatistics.percentile(rtt, 0.99) * 1e6, "decision_iterations": rtt.count,
                "decision_rtt_plain_us_median": median(rttPlain) * 1e6,
                "decision_rtt_ipc_us_median": median(rttIPC) * 1e6, "decision_rtt_ipc_plain_us_median": median(rttIPCPlain) * 1e6,
                "pair_assignment_bytes": assignmentBytes, "pair_assignment_us_median": median(asg) * 1e6,
                "pair_assignment_plain_us_median": median(asgPlain) * 1e6,
                "pair_predictions_bytes": predictionBytes, "pair_predictions_us_median": median(pred) * 1e6,
                "pair_predictions_plain_us_median": median(predPlain) * 1e6,
            ]
            if let metrics { result["breakdown"] = try CommBenchmark.breakdown(metrics: URL(fileURLWithPath: metrics)) }
            if let trace { result["per_worker"] = try CommBenchmark.perWorkerBreakdown(trace: URL(fileURLWithPath: trace)) }
            if json { printJSON(result); return }
            print(String(format: "decision round trip (stats sent → decision received), CURVE, loopback TCP, %d iterations: median %.0f µs, p90 %.0f µs, p99 %.0f µs (plain: median %.0f µs, ×%.2f)",
                         rtt.count, median(rtt) * 1e6, SampleStatistics.percentile(rtt, 0.9) * 1e6, SampleStatistics.percentile(rtt, 0.99) * 1e6,
                         median(rttPlain) * 1e6, median(rtt) / median(rttPlain)))
            print(String(format: "decision round trip over ipc:// (what single-host jobs use), CURVE: median %.0f µs, p90 %.0f µs (plain: median %.0f µs, ×%.2f)",
                         median(rttIPC) * 1e6, SampleStatistics.percentile(rttIPC, 0.9) * 1e6, median(rttIPCPlain) * 1e6, median(rttIPC) / median(rttIPCPlain)))
            print(String(format: "pair channel, one way, CURVE: assignment %d B %.0f µs (plain %.0f), predictions %d B %.0f µs (plain %.0f) (medians of %d)",
                         assignmentBytes, median(asg) * 1e6, median(asgPlain) * 1e6, predictionBytes, median(pred) * 1e6, median(predPlain) * 1e6, asg.count))
            if let b = result["breakdown"] as? [String: Any], let med = b["median_phase_s"] as? [String: Double] {
                print(String(format: "step breakdown of %@ (%d iterations, medians): step %.1f ms, communication %.1f ms = %.1f%%",
                             metrics!, b["iterations"] as! Int, (b["median_step_s"] as! Double) * 1e3, (b["comm_s"] as! Double) * 1e3,
                             (b["comm_fraction"] as! Double) * 100))
                for (k, v) in med.sorted(by: { $0.key < $1.key }) { print(String(format: "  %-17@ %8.2f ms", k as NSString, v * 1e3)) }
            }
            if let p = result["per_worker"] as? [String: Any], let workers = p["workers"] as? [[String: Any]] {
                print(String(format: "each worker's own communication share (%@: its waits ÷ its iteration, median over iterations): mean %.1f%%",
                             trace!, (p["comm_fraction_mean_of_workers"] as! Double) * 100))
                for w in workers {
                    print(String(format: "  %@: %.1f%% (mean over iterations %.1f%%, %d iterations)", w["worker"] as! String,
                                 (w["comm_fraction"] as! Double) * 100, (w["comm_fraction_mean"] as! Double) * 100, w["iterations"] as! Int))
                }
            }
        } catch { fail(error) }
    }
}
