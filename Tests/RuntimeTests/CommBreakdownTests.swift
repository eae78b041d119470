import XCTest
import Foundation
@testable import Runtime

/// `colad bench comm --trace`: each worker's own communication share from a trace.json.
final class CommBreakdownTests: XCTestCase {
    func span(_ name: String, pid: Int, ts: Double, dur: Double, iteration: Int) -> [String: Any] {
        ["ph": "X", "name": name, "pid": pid, "tid": 1, "ts": ts, "dur": dur, "args": ["iteration": iteration]]
    }

    /// Hand case, 10 iterations per worker (the first 2 skipped: min(5, 10/5)). Worker a: 100 µs
    /// iterations with coordinator_wait 10 + pair_receive 5 → 0.15 each; its forward (60) does not
    /// count. Worker b: 200 µs iterations, coordinator_wait 20 on odd iterations, 0 on even → shares
    /// 0.1 / 0, median over the 8 kept = 0.05, mean 0.05. Mean over workers (0.15 + 0.05) / 2 = 0.1.
    func testPerWorkerSharesHandComputed() throws {
        var events: [[String: Any]] = [
            ["ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": ["name": "rank 1 (a0)"]],
            ["ph": "M", "name": "thread_name", "pid": 2, "tid": 1, "args": ["name": "rank 2 (b0)"]],
        ]
        for t in 0..<10 {
            let ta = Double(t) * 100, tb = Double(t) * 200
            events += [span("iteration", pid: 1, ts: ta, dur: 100, iteration: t), span("forward", pid: 1, ts: ta, dur: 60, iteration: t),
                       span("coordinator_wait", pid: 1, ts: ta + 60, dur: 10, iteration: t),
                       span("pair_receive", pid: 1, ts: ta + 70, dur: 5, iteration: t),
                       span("iteration", pid: 2, ts: tb, dur: 200, iteration: t)]
            if t % 2 == 1 { events.append(span("coordinator_wait", pid: 2, ts: tb + 50, dur: 20, iteration: t)) }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("colad-comm-trace-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try JSONSerialization.data(withJSONObject: ["traceEvents": events]).write(to: url)
        let r = try CommBenchmark.perWorkerBreakdown(trace: url)
        let workers = try XCTUnwrap(r["workers"] as? [[String: Any]])
        XCTAssertEqual(workers.map { $0["worker"] as? String }, ["rank 1 (a0)", "rank 2 (b0)"])
        XCTAssertEqual(workers.map { $0["iterations"] as? Int }, [8, 8])
        XCTAssertEqual(try XCTUnwrap(workers[0]["comm_fraction"] as? Double), 0.15, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(workers[1]["comm_fraction"] as? Double), 0.05, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(workers[1]["comm_fraction_mean"] as? Double), 0.05, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(r["comm_fraction_mean_of_workers"] as? Double), 0.1, accuracy: 1e-12)
    }

    /// A file without iteration spans (e.g. a single-process trace's metrics) is refused by name.
    func testRefusesAFileWithoutIterationSpans() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("colad-comm-empty-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"traceEvents": []}"#.utf8).write(to: url)
        XCTAssertThrowsError(try CommBenchmark.perWorkerBreakdown(trace: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
            XCTAssertTrue("\(error)".contains("--trace"), "\(error)")
        }
        try Data("[1, 2]".utf8).write(to: url)
        XCTAssertThrowsError(try CommBenchmark.perWorkerBreakdown(trace: url)) { error in
            XCTAssertTrue("\(error)".contains("not a trace file"), "\(error)")
        }
    }
}
