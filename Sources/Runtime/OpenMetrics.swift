// The status reply (docs/status-protocol.md) as OpenMetrics text for Prometheus
// (docs/observability.md lists every family). A pure function of the status document, so
// `/metrics` and `colad status` cannot disagree. Gauges for what goes up and down, counters for
// the rejected-message counts, an info family for the job's identity and phase; a null field
// gives no sample. The text ends with "# EOF" as the format requires.
import Foundation

public enum OpenMetrics {
    public static let contentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    /// One family: `# TYPE` and `# HELP` lines, then its samples (name suffix, labels, value).
    struct Family {
        var name: String
        var type: String
        var help: String
        var samples: [(suffix: String, labels: [(String, String)], value: Double)] = []

        mutating func add(_ value: Any?, _ labels: [(String, String)] = [], suffix: String = "") {
            guard let v = OpenMetrics.number(value) else { return }
            samples.append((suffix, labels, v))
        }

        var text: String {
            var out = "# TYPE \(name) \(type)\n# HELP \(name) \(help)\n"
            for s in samples {
                let labels = s.labels.isEmpty ? "" : "{" + s.labels.map { "\($0.0)=\"\(OpenMetrics.escape($0.1))\"" }.joined(separator: ",") + "}"
                out += "\(name)\(s.suffix)\(labels) \(OpenMetrics.format(s.value))\n"
            }
            return out
        }
    }

    public static func render(status s: [String: Any]) -> String {
        var families: [Family] = []
        func gauge(_ name: String, _ help: String, _ value: Any?) {
            var f = Family(name: name, type: "gauge", help: help); f.add(value); families.append(f)
        }
        var info = Family(name: "colad_job", type: "info", help: "The job: id, run name, mode and phase (starting, running, checkpointing, finished, failed).")
        info.samples.append(("_info", [("job_id", "\(s["job_id"] ?? "")"), ("name", "\(s["name"] ?? "")"), ("mode", "\(s["mode"] ?? "")"),
                                       ("phase", "\(s["phase"] ?? "")")], 1))
        families.append(info)
        gauge("colad_iteration", "The iteration in progress (0-based).", s["iteration"])
        gauge("colad_start_iteration", "First iteration of this launch.", s["start_iteration"])
        gauge("colad_end_iteration", "This launch ends before this iteration.", s["end_iteration"])
        gauge("colad_total_iterations", "Iterations of the whole schedule (train.iterations).", s["total_iterations"])
        gauge("colad_epoch", "Epoch of the latest iteration.", s["epoch"])
        gauge("colad_uptime_seconds", "Seconds since the coordinator started.", s["uptime_s"])
        gauge("colad_throughput_images_per_second", "Images per second (median over recent iterations).", s["throughput_images_per_s"])
        gauge("colad_eta_seconds", "Estimated seconds to the end of this launch.", s["eta_s"])
        gauge("colad_ranks_per_network", "Worker ranks per network.", s["ranks_per_network"])

        let nets = (s["networks"] as? [String: Any]) ?? [:]
        var loss = Family(name: "colad_loss", type: "gauge", help: "Latest iteration's loss of each trained network, by part (sum over the group's ranks).")
        var lr = Family(name: "colad_learning_rate", type: "gauge", help: "Latest learning rate of each trained network.")
        var pos = Family(name: "colad_positives", type: "gauge", help: "Positive anchors of each network in the latest iteration (global batch).")
        var map = Family(name: "colad_eval_bbox_map", type: "gauge", help: "bbox mAP of each network's latest evaluation.")
        var evalAt = Family(name: "colad_eval_iteration", type: "gauge", help: "Iterations completed at each network's latest evaluation.")
        for id in nets.keys.sorted() {
            guard let n = nets[id] as? [String: Any] else { continue }
            let net = [("network", id)]
            if let parts = n["loss"] as? [String: Any] {
                for p in parts.keys.sorted() { loss.add(parts[p], net + [("part", p)]) }
            }
            lr.add(n["lr"], net)
            pos.add(n["num_pos"], net)
            if let e = n["last_eval"] as? [String: Any] { map.add(e["bbox_mAP"], net); evalAt.add(e["iteration"], net) }
        }
        families += [loss, lr, pos, map, evalAt]

        let teacher = (s["teacher"] as? [String: Any]) ?? [:]
        let current = teacher["current"] as? String
        gauge("colad_teacher_is_b", "1 when network B assigns the labels of the latest iteration, 0 when A does (absent when mixed or none).",
              current == "b" ? 1 : current == "a" ? 0 : nil)
        gauge("colad_teacher_b_share", "Mean share of label sets assigned by network B over the recent decisions.", teacher["ratio_b"])

        let rejected = (s["rejected_messages"] as? [String: Any]) ?? [:]
        var byKind = Family(name: "colad_rejected_messages", type: "counter", help: "Messages rejected by the job's sockets, by kind (docs/status-protocol.md).")
        for (k, v) in ((rejected["by_kind"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) { byKind.add(v, [("kind", k)], suffix: "_total") }
        var bySocket = Family(name: "colad_rejected_messages_by_socket", type: "counter", help: "Messages rejected, by the socket that rejected them.")
        for (k, v) in ((rejected["by_socket"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) { bySocket.add(v, [("socket", k)], suffix: "_total") }
        families += [byKind, bySocket]

        let rankFields: [(key: String, name: String, type: String, help: String)] = [
            ("heartbeat_age_s", "colad_rank_heartbeat_age_seconds", "gauge", "Seconds since the coordinator last heard from the rank."),
            ("last_iteration", "colad_rank_last_iteration", "gauge", "Last iteration the rank reported."),
            ("step_time_s", "colad_rank_step_seconds", "gauge", "The rank's latest step time (sum of its phases)."),
            ("allreduce_s", "colad_rank_allreduce_seconds", "gauge", "The rank's latest gradient all-reduce time."),
            ("coordinator_wait_s", "colad_rank_coordinator_wait_seconds", "gauge", "The rank's latest wait for the coordinator's decision."),
            ("pair_wait_s", "colad_rank_pair_seconds", "gauge", "The rank's latest pair-channel time (sends and receives)."),
            ("rejected_messages", "colad_rank_rejected_messages", "counter", "Messages the rank's pair inbox rejected."),
            ("rss_mb", "colad_rank_resident_bytes", "gauge", "The rank's resident memory after its latest step."),
        ]
        // Status gives memory in MiB; OpenMetrics wants base units.
        let scale: [String: Double] = ["rss_mb": 1_048_576]
        let ranks = (s["ranks"] as? [[String: Any]]) ?? []
        for field in rankFields {
            var f = Family(name: field.name, type: field.type, help: field.help)
            for r in ranks {
                let labels = [("rank", "\(r["rank"] ?? "")"), ("network", "\(r["network"] ?? "")"), ("group_rank", "\(r["group_rank"] ?? "")"),
                              ("host", "\(r["host"] ?? "")")]
                let value = scale[field.key].flatMap { s in OpenMetrics.number(r[field.key]).map { $0 * s } } ?? OpenMetrics.number(r[field.key])
                f.add(value, labels, suffix: field.type == "counter" ? "_total" : "")
            }
            families.append(f)
        }
        let checkpoint = s["last_checkpoint"] as? [String: Any]
        gauge("colad_last_checkpoint_iteration", "Iterations completed at the latest committed checkpoint.", checkpoint?["iteration"])
        gauge("colad_last_checkpoint_age_seconds", "Seconds since the latest checkpoint was committed.", checkpoint?["age_s"])
        return families.filter { !$0.samples.isEmpty }.map(\.text).joined() + "# EOF\n"
    }

    static func number(_ v: Any?) -> Double? {
        switch v {
        case let b as Bool: return b ? 1 : 0
        case let i as Int: return Double(i)
        case let d as Double: return d
        case let n as NSNumber: return n.doubleValue
        default: return nil
        }
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
