@testable import Runtime
import Foundation
import XCTest

/// The status document as OpenMetrics text: families, labels, escaping, nulls, the EOF line.
/// (A live job's /metrics is parsed by prometheus_client in Tests/Integration/observability.sh.)
final class OpenMetricsTests: XCTestCase {
    let status: [String: Any] = [
        "job_id": "ab12", "name": "run \"x\"", "mode": "colad", "phase": "running",
        "iteration": 41, "start_iteration": 0, "end_iteration": 100, "total_iterations": 100, "epoch": 2,
        "uptime_s": 12.5, "throughput_images_per_s": 80.25, "eta_s": NSNull(), "ranks_per_network": 1,
        "networks": ["a": ["loss": ["total": 1.5, "cls": 1.0, "kd_cls": NSNull()], "lr": 0.01, "num_pos": 12,
                           "last_eval": ["iteration": 40, "bbox_mAP": 0.125]],
                     "b": ["loss": NSNull(), "lr": NSNull(), "num_pos": NSNull(), "last_eval": NSNull()]],
        "teacher": ["current": "b", "ratio_b": 0.75],
        "rejected_messages": ["total": 3, "by_kind": ["bad_magic": 3, "wrong_job": 0], "by_socket": ["status": 3]],
        "ranks": [["rank": 1, "network": "a", "group_rank": 0, "host": "h1", "heartbeat_age_s": 0.5, "last_iteration": 40,
                   "step_time_s": 0.25, "allreduce_s": NSNull(), "coordinator_wait_s": 0.01, "pair_wait_s": 0.002, "rejected_messages": 0, "rss_mb": 212.5]],
        "last_checkpoint": NSNull(),
    ]

    func testRendersEveryFieldOnceAndEndsWithEOF() {
        let text = OpenMetrics.render(status: status)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.last, "# EOF")
        XCTAssertTrue(lines.contains("colad_iteration 41"))
        XCTAssertTrue(lines.contains("colad_throughput_images_per_second 80.25"))
        XCTAssertTrue(lines.contains("colad_loss{network=\"a\",part=\"total\"} 1.5"))
        XCTAssertTrue(lines.contains("colad_teacher_is_b 1"))
        XCTAssertTrue(lines.contains("colad_teacher_b_share 0.75"))
        XCTAssertTrue(lines.contains("colad_rejected_messages_total{kind=\"bad_magic\"} 3"))
        XCTAssertTrue(lines.contains("# TYPE colad_rejected_messages counter"))
        XCTAssertTrue(lines.contains("colad_rank_heartbeat_age_seconds{rank=\"1\",network=\"a\",group_rank=\"0\",host=\"h1\"} 0.5"))
        XCTAssertTrue(lines.contains("colad_rank_resident_bytes{rank=\"1\",network=\"a\",group_rank=\"0\",host=\"h1\"} 222822400"), "212.5 MiB in bytes")
        XCTAssertTrue(lines.contains("colad_job_info{job_id=\"ab12\",name=\"run \\\"x\\\"\",mode=\"colad\",phase=\"running\"} 1"))
        // Null fields give no sample; a family without samples is left out.
        XCTAssertFalse(text.contains("kd_cls")); XCTAssertFalse(text.contains("colad_eta_seconds"))
        XCTAssertFalse(text.contains("colad_rank_allreduce_seconds")); XCTAssertFalse(text.contains("colad_last_checkpoint"))
        // Every family's TYPE line appears once, before its samples.
        let types = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        XCTAssertEqual(types.count, Set(types).count)
    }
}

/// /metrics over real sockets: the published text, 404/405 for anything else, and a client that
/// connects and says nothing holds the server for at most its 2 s deadline.
final class MetricsServerTests: XCTestCase {
    func testServesThePublishedTextAndNothingElse() throws {
        let server = try MetricsServer(host: "127.0.0.1", port: 0)
        defer { server.close() }
        XCTAssertGreaterThan(server.port, 0)
        server.publish("colad_iteration 3\n# EOF\n")
        let ok = try MetricsServer.get(host: "127.0.0.1", port: server.port)
        XCTAssertTrue(ok.hasPrefix("HTTP/1.1 200 OK\r\n"), ok)
        XCTAssertTrue(ok.contains("Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"))
        XCTAssertTrue(ok.hasSuffix("\r\n\r\ncolad_iteration 3\n# EOF\n"), ok)
        XCTAssertTrue(try MetricsServer.get(host: "127.0.0.1", port: server.port, path: "/").hasPrefix("HTTP/1.1 404"))

        // A silent client, then a real one: answered once the silent one's deadline passed.
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET); addr.sin_port = in_port_t(UInt16(server.port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let t0 = Date()
        var answered = false
        for _ in 0..<5 where !answered { answered = (try? MetricsServer.get(host: "127.0.0.1", port: server.port))?.hasPrefix("HTTP/1.1 200") == true }
        XCTAssertTrue(answered)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 6)
    }

    func testABusyPortIsAnErrorNamingTheKey() throws {
        let first = try MetricsServer(host: "127.0.0.1", port: 0)
        defer { first.close() }
        XCTAssertThrowsError(try MetricsServer(host: "127.0.0.1", port: first.port)) { e in
            XCTAssertTrue("\(e)".contains("monitor.prometheus_port"), "\(e)")
        }
        XCTAssertThrowsError(try MetricsServer(host: "not-an-address", port: 0)) { e in
            XCTAssertTrue("\(e)".contains("monitor.prometheus_host"), "\(e)")
        }
    }
}
