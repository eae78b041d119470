// Status queries (DESIGN.md §4, docs/status-protocol.md): a client sends a framed JSON request
// to the coordinator's status socket (ROUTER; DEALER or REQ clients) and gets a framed JSON
// reply. `status` is read-only; `stop` and `checkpoint` need the token from the work dir's
// control-token file (mode 0600).
import Config
import Foundation
import Training
import Transport

extension Coordinator {
    func drainStatus() {
        while let frames = try? statusSocket.receiveNow() {
            guard frames.count >= 2 else { countRejected(.malformedPayload, socket: "status"); continue }
            let route = Array(frames.dropLast())          // identity (+ empty delimiter for REQ)
            let frame: Frame
            do { frame = try Frame.decode(frames.last!, jobId: nil, maxPayload: 1 << 16) } catch {
                countRejected(error as? FrameRejection ?? .malformedPayload, socket: "status"); continue
            }
            let reply: [String: Any]
            let kind: MessageKind
            switch MessageKind(rawValue: frame.type) {
            case .statusRequest?:
                reply = status(); kind = .statusReply
            case .controlRequest?:
                reply = control(frame.payload); kind = .controlReply
            default:
                countRejected(.unexpected, socket: "status"); continue
            }
            let body = (try? JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys])).map { Array($0) } ?? []
            let out = Frame(type: kind.rawValue, jobId: jobId, iteration: ledger.next, sender: senderRank, payload: body)
            try? statusSocket.send(route + [out.encoded()])
        }
    }

    func control(_ payload: [UInt8]) -> [String: Any] {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
              let request = obj["request"] as? String else {
            countRejected(.malformedPayload, socket: "status")
            return ["ok": false, "error": "control request must be JSON {\"request\": \"stop\"|\"checkpoint\", \"token\": \"…\"}"]
        }
        guard (obj["token"] as? String) == token else {
            return ["ok": false, "error": "wrong or missing token (see \(settings.workDir.path)/control-token)"]
        }
        switch request {
        case "stop": ledger.requestStop(); settings.log("control: stop requested; checkpointing and stopping after the current iteration")
        case "checkpoint": ledger.requestCheckpoint(); settings.log("control: checkpoint requested")
        default: return ["ok": false, "error": "unknown control request '\(request)' (stop, checkpoint)"]
        }
        return ["ok": true, "request": request, "iteration": ledger.next]
    }

    /// The status reply (fields documented in docs/status-protocol.md).
    func status() -> [String: Any] {
        let now = Date()
        let rate = journal?.rate ?? (0, .nan)
        var nets: [String: Any] = [:]
        for id in plan.networks {
            var n: [String: Any] = ["preset": config.network(id)?.preset ?? "custom", "trained": plan.role(id).trained,
                                    "ranks": settings.topology.count(of: id),
                                    "loss": NSNull(), "num_pos": NSNull(), "lr": NSNull()]
            if let r = journal?.lastNetworks[id] {
                var loss: [String: Any] = ["cls": r.cls, "box": r.box, "iou": r.iou, "total": r.total]
                for (k, v) in [("kd_cls", r.kd?.cls), ("kd_iou", r.kd?.iou), ("kd_box", r.kd?.box)] { loss[k] = v.map { $0 as Any } ?? NSNull() }
                n["loss"] = loss
                n["num_pos"] = r.numPositives
                n["lr"] = Double(r.lr)
            }
            n["last_eval"] = journal?.lastEval[id].map { ["iteration": $0.iteration, "bbox_mAP": $0.map] as [String: Any] } ?? NSNull()
            nets[id.rawValue] = n
        }
        let ranks: [[String: Any]] = workers.all.map { w in
            ["rank": w.rank, "network": w.network.rawValue, "group_rank": w.groupRank, "host": w.host, "pid": w.pid,
             "phase": w.phase.name, "last_iteration": w.lastIteration, "heartbeat_age_s": now.timeIntervalSince(w.lastHeard),
             "step_time_s": w.times["total"] ?? NSNull(), "allreduce_s": w.times["allreduce"] ?? NSNull(),
             "coordinator_wait_s": w.times["coordinator_wait"] ?? NSNull(), "pair_wait_s": w.times["pair"] ?? NSNull(),
             "rejected_messages": w.rejected.values.reduce(0, +), "rss_mb": w.residentMB > 0 ? w.residentMB : NSNull()]
        }
        // Every documented kind, zero until seen.
        var byKind = Dictionary(uniqueKeysWithValues: FrameRejection.allCases.map { ($0.rawValue, 0) })
        byKind.merge(rejected.counts, uniquingKeysWith: +)
        byKind.merge(rejectedStatus.counts, uniquingKeysWith: +)
        var bySocket: [String: Int] = ["coordinator": rejected.total, "status": rejectedStatus.total]
        for w in workers.all {
            byKind.merge(w.rejected, uniquingKeysWith: +)
            bySocket["rank \(w.rank) pair inbox"] = w.rejected.values.reduce(0, +)
        }
        let written = ledger.written
        var out: [String: Any] = [
            "protocol_version": Int(Frame.protocolVersion),
            "job_id": String(jobId, radix: 16), "name": config.name, "mode": config.mode.rawValue, "phase": phase.rawValue,
            "iteration": max(written + 1, ledger.start), "start_iteration": ledger.start, "end_iteration": ledger.end,
            "total_iterations": config.train.iterations,
            "epoch": ledger.latestEpoch, "uptime_s": now.timeIntervalSince(started), "throughput_images_per_s": rate.imagesPerSecond,
            "eta_s": rate.secondsPerIteration.isFinite ? Double(ledger.end - written - 1) * rate.secondsPerIteration : NSNull(),
            "networks": nets, "ranks": ranks, "work_dir": settings.workDir.path, "ranks_per_network": settings.topology.k,
            "rejected_messages": ["total": byKind.values.reduce(0, +), "by_kind": byKind, "by_socket": bySocket],
            "first_error": firstError ?? NSNull(),
        ]
        var teacher: [String: Any] = ["rule": config.colad.rule.rawValue, "granularity": config.colad.granularity.rawValue]
        let history = ledger.history
        teacher["current"] = plan.fixedTeacher ?? history.recent.last.map { $0.teacher?.rawValue ?? "mixed" } ?? NSNull()
        teacher["ratio_b"] = history.meanRatioB ?? NSNull()
        teacher["last_decisions"] = history.recent.suffix(10).map { ["iteration": $0.iteration, "teacher": $0.teacher?.rawValue ?? "mixed", "ratio_b": $0.ratioB] }
        out["teacher"] = teacher
        if let c = journal?.lastCheckpoint {
            out["last_checkpoint"] = ["iteration": c.iteration, "path": c.path, "age_s": now.timeIntervalSince(c.at)]
        } else {
            out["last_checkpoint"] = NSNull()
        }
        return out
    }
}
