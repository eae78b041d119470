import Config
import Foundation
import Training
import XCTest

/// trace.json (monitor.trace): the clock offset, the bounded file, and a real single-process run.
final class TraceTests: XCTestCase {
    func testOffsetIsTheMedianDifference() {
        // Differences 0.5, 0.7, 0.2, 100 (an outlier round), 0.6 → sorted 0.2 0.5 0.6 0.7 100 → 0.6.
        let rounds = [(own: 10.0, reference: 10.5), (own: 20, reference: 20.7), (own: 30, reference: 30.2),
                      (own: 40, reference: 140), (own: 50, reference: 50.6)]
        XCTAssertEqual(SpanClock.offset(rounds: rounds), 0.6, accuracy: 1e-12)
        XCTAssertEqual(SpanClock.offset(rounds: Array(rounds.prefix(2))), 0.6, accuracy: 1e-12)   // (0.5 + 0.7) / 2
        XCTAssertEqual(SpanClock.offset(rounds: []), 0)
        let c = SpanClock(offset: 2.5)
        XCTAssertEqual(c.with(offset: 0).now + 2.5, c.now, accuracy: 1e-3)
    }

    func parse(_ file: TraceFile) throws -> [[String: Any]] {
        let obj = try JSONSerialization.jsonObject(with: Data(file.json().utf8)) as! [String: Any]
        return obj["traceEvents"] as! [[String: Any]]
    }

    func testFileIsBoundedAndCountsWhatItDrops() throws {
        let file = TraceFile(url: URL(fileURLWithPath: "/dev/null"), maxEvents: 3, origin: 100)
        let track = TraceFile.Track.replica(.a, rank: 1, name: "rank 1 \"a0\"\\x")
        XCTAssertTrue(file.add([Span(name: "data", start: 100.5, seconds: 0.25, iteration: 0)], track: track))
        XCTAssertFalse(file.add((0..<4).map { Span(name: "forward", start: 101 + Double($0), seconds: 0.5, iteration: $0) }, track: track))
        XCTAssertEqual(file.count, 3); XCTAssertEqual(file.dropped, 2)
        let events = try parse(file)
        let spans = events.filter { $0["ph"] as? String == "X" }
        XCTAssertEqual(spans.count, 3)
        // Microseconds from the origin: 100.5 s → 500000 µs, 0.25 s → 250000 µs.
        XCTAssertEqual(spans[0]["ts"] as? Double, 500_000); XCTAssertEqual(spans[0]["dur"] as? Double, 250_000)
        XCTAssertEqual(spans[0]["pid"] as? Int, 1); XCTAssertEqual(spans[0]["tid"] as? Int, 1)
        let names = events.filter { $0["name"] as? String == "thread_name" }.map { ($0["args"] as! [String: Any])["name"] as! String }
        XCTAssertEqual(names, ["rank 1 \"a0\"\\x"])   // quotes and backslashes survive
    }

    /// A real colad run: trace.json parses, every span lies inside the trainer's iteration span,
    /// and the leaves of both replicas add up to it (the trainer runs them one after another).
    func testSingleProcessRunWritesANestedTrace() throws {
        var c = miniConfig(.colad, iterations: 4)
        c.monitor.trace = true
        let dir = tempDir()
        try Trainer(config: c, workDir: dir, log: { _ in }).run(resume: false)
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("trace.json"))) as! [String: Any]
        let spans = (obj["traceEvents"] as! [[String: Any]]).filter { $0["ph"] as? String == "X" }
        func iteration(_ e: [String: Any]) -> Int { (e["args"] as! [String: Any])["iteration"] as! Int }
        let outer = spans.filter { $0["name"] as? String == "iteration" }
        XCTAssertEqual(outer.map(iteration), [0, 1, 2, 3])
        XCTAssertEqual(Set(spans.filter { $0["name"] as? String != "iteration" }.map { $0["tid"] as! Int }), [1, 2])
        for o in outer {
            let t0 = o["ts"] as! Double, t1 = t0 + (o["dur"] as! Double)
            let leaves = spans.filter { $0["name"] as? String != "iteration" && iteration($0) == iteration(o) }
            XCTAssertTrue(leaves.contains { $0["name"] as? String == "forward" } && leaves.contains { $0["name"] as? String == "loss_backward" })
            for l in leaves {
                XCTAssertGreaterThanOrEqual(l["ts"] as! Double, t0 - 1); XCTAssertLessThanOrEqual((l["ts"] as! Double) + (l["dur"] as! Double), t1 + 1)
            }
            let sum = leaves.map { $0["dur"] as! Double }.reduce(0, +)
            XCTAssertEqual(sum / (t1 - t0), 1, accuracy: 0.05, "iteration \(iteration(o)): leaves \(sum) µs of \(t1 - t0) µs")
        }
        // A checkpoint at iteration 3 (checkpoint_every 3) and at the end: spans named so.
        XCTAssertTrue(spans.contains { $0["name"] as? String == "checkpoint" })
    }

    func testTraceKeysStayOutOfTheConfigHash() {
        var c = miniConfig(.colad)
        let before = c.hash
        c.monitor.trace = true; c.monitor.prometheusPort = 9464; c.monitor.tensorboard = false
        XCTAssertEqual(c.hash, before)
        c.train.lr *= 2
        XCTAssertNotEqual(c.hash, before)
    }
}
