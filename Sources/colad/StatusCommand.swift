import ArgumentParser
import Foundation
import Runtime

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Query a running job's coordinator: a table, or the JSON reply (docs/status-protocol.md).",
        discussion: """
        The endpoint is printed when a distributed job starts and written to WORK_DIR/status-endpoint. \
        Without --endpoint, --work-dir's file is read; without either, the newest work-dirs/*/status-endpoint. \
        --request stop|checkpoint sends a control request with the token from WORK_DIR/control-token.
        """)

    @Option(help: "Coordinator status endpoint, e.g. tcp://127.0.0.1:5701.") var endpoint: String?
    @Option(help: "Work dir of the job (reads its status-endpoint and control-token files).", completion: .directory) var workDir: String?
    @Flag(help: "Print the JSON reply.") var json = false
    @Option(help: "Repeat every SECONDS until the job ends (Ctrl-C to stop).") var watch: Double?
    @Option(help: "Control request: stop or checkpoint (needs the token).") var request: String?
    @Option(help: "Token file (default WORK_DIR/control-token).") var tokenFile: String?
    @Option(help: "Seconds to wait for a reply.") var timeout: Double = 5

    func resolveEndpoint() throws -> (String, URL?) {
        if let endpoint { return (endpoint, workDir.map { URL(fileURLWithPath: $0) }) }
        var dir = workDir.map { URL(fileURLWithPath: $0) }
        if dir == nil {
            let root = URL(fileURLWithPath: "work-dirs")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
            dir = names.map { root.appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("status-endpoint").path) }
                .max { mtime($0.appendingPathComponent("status-endpoint")) < mtime($1.appendingPathComponent("status-endpoint")) }
        }
        guard let dir else {
            throw StatusError("no endpoint given and no work-dirs/*/status-endpoint found", hint: "pass --endpoint tcp://HOST:PORT or --work-dir DIR")
        }
        let file = dir.appendingPathComponent("status-endpoint")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw StatusError("cannot read \(file.path)", hint: "is DIR the work dir of a distributed job? (pass --endpoint otherwise)")
        }
        return (text.trimmingCharacters(in: .whitespacesAndNewlines), dir)
    }

    func mtime(_ url: URL) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
    }

    func run() throws {
        do {
            let (ep, dir) = try resolveEndpoint()
            if let request {
                let tf = tokenFile.map { URL(fileURLWithPath: $0) } ?? dir?.appendingPathComponent("control-token")
                guard let tf, let token = try? String(contentsOf: tf, encoding: .utf8) else {
                    throw StatusError("control requests need the job's token", hint: "pass --work-dir DIR or --token-file F")
                }
                let reply = try StatusClient.request(endpoint: ep, kind: StatusClient.controlKind,
                                                     body: ["request": request, "token": token.trimmingCharacters(in: .whitespacesAndNewlines)], timeout: timeout)
                printJSON(reply)
                if reply["ok"] as? Bool != true { throw StatusError("control request refused: \(reply["error"] ?? "?")", hint: "check the token and request name") }
                return
            }
            repeat {
                let reply = try StatusClient.request(endpoint: ep, timeout: timeout)
                if json { printJSON(reply) } else { print(StatusTable.render(reply)) }
                let phase = reply["phase"] as? String ?? ""
                guard let watch, phase != "finished", phase != "failed" else { break }
                Thread.sleep(forTimeInterval: watch)
            } while true
        } catch { fail(error) }
    }
}

enum StatusTable {
    static func num(_ v: Any?, _ f: String = "%.3f") -> String { (v as? Double).map { String(format: f, $0) } ?? (v as? Int).map(String.init) ?? "-" }

    /// Left-aligned columns of the given widths (0 = as is), one space apart.
    static func row(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).map { c, w in c.count >= w ? c : c + String(repeating: " ", count: w - c.count) }.joined(separator: " ")
    }

    static func render(_ s: [String: Any]) -> String {
        var out: [String] = []
        out.append("job \(s["job_id"] ?? "?")  \(s["name"] ?? "?") (\(s["mode"] ?? "?"))  phase \(s["phase"] ?? "?")  "
                   + "iteration \(s["iteration"] ?? "?")/\(s["total_iterations"] ?? "?")  epoch \(s["epoch"] ?? "?")")
        out.append("uptime \(num(s["uptime_s"], "%.0f")) s  ETA \(num(s["eta_s"], "%.0f")) s  throughput \(num(s["throughput_images_per_s"], "%.1f")) img/s")
        if let t = s["teacher"] as? [String: Any] {
            let last = (t["last_decisions"] as? [[String: Any]])?.map { "\($0["teacher"] ?? "?")" }.joined(separator: " ") ?? ""
            out.append("teacher \(t["current"] ?? "-")  rule \(t["rule"] ?? "?")/\(t["granularity"] ?? "?")  ratio B \(num(t["ratio_b"]))"
                       + (last.isEmpty ? "" : "  last: \(last)"))
        }
        if let nets = s["networks"] as? [String: Any] {
            out.append("network  preset  trained  loss      cls     box     iou     lr        last eval mAP")
            for key in nets.keys.sorted() {
                let n = nets[key] as? [String: Any] ?? [:]
                let l = n["loss"] as? [String: Any] ?? [:]
                let e = n["last_eval"] as? [String: Any]
                out.append(row([key, "\(n["preset"] ?? "?")", (n["trained"] as? Bool) == true ? "yes" : "no",
                                num(l["total"]), num(l["cls"]), num(l["box"]), num(l["iou"]), num(n["lr"], "%.2e"),
                                e.map { "\(num($0["bbox_mAP"], "%.4f")) @\($0["iteration"] ?? "?")" } ?? "-"], [8, 7, 8, 9, 7, 7, 7, 9, 0]))
            }
        }
        if let ranks = s["ranks"] as? [[String: Any]] {
            out.append("rank  net  host            pid      phase        iter   heartbeat  step s   allreduce s  coord wait s  rejected")
            for r in ranks {
                out.append(row(["\(r["rank"] ?? "?")", "\(r["network"] ?? "?")\(r["group_rank"] ?? "")",
                                "\(r["host"] ?? "?")", "\(r["pid"] ?? "?")", "\(r["phase"] ?? "?")", "\(r["last_iteration"] ?? "?")",
                                num(r["heartbeat_age_s"], "%.1f s"), num(r["step_time_s"]), num(r["allreduce_s"], "%.4f"),
                                num(r["coordinator_wait_s"], "%.4f"), "\(r["rejected_messages"] ?? 0)"], [5, 4, 15, 8, 12, 6, 10, 8, 12, 13, 0]))
            }
        }
        if let c = s["last_checkpoint"] as? [String: Any] {
            out.append("last checkpoint: iteration \(c["iteration"] ?? "?") \(c["path"] ?? "?") (\(num(c["age_s"], "%.0f")) s ago)")
        } else { out.append("last checkpoint: none yet") }
        if let r = s["rejected_messages"] as? [String: Any] {
            out.append("rejected messages: \(r["total"] ?? 0) \((r["by_kind"] as? [String: Int]).map { $0.isEmpty ? "" : "\($0)" } ?? "")")
        }
        if let e = s["first_error"] as? String { out.append("first error: \(e)") }
        return out.joined(separator: "\n")
    }
}
