// `colad bench comm`: the runtime's communication costs, measured on the real mechanisms.
// - decision round trip: a real Coordinator (its poll loop, decoding, the CoLAD rule, encoding)
//   on a thread, two worker DEALERs on loopback; time from the last Stats sent to the Decision
//   received, per iteration;
// - pair channel: an Assignment and a Predictions message of the `small` preset's batch through
//   a DEALER → ROUTER inbox, echoed back (round trip / 2 = one way);
// - the training log's breakdown: median per-phase times of a distributed run's metrics.jsonl
//   and the communication share of the step.
import Config
import Distillation
import Engine
import Foundation
import Models
import PAA
import Training
import Transport

public enum CommBenchmark {
    final class Box<T>: @unchecked Sendable { var value: T; init(_ v: T) { value = v } }

    static func median(_ v: [Double]) -> Double { SampleStatistics.median(v) }

    /// Stats → Decision round trips through a real coordinator (seconds per iteration).
    /// `bind`: the coordinator's worker endpoint (tcp://127.0.0.1:0, or an ipc:// path as single-host jobs use);
    /// `curve`: the channels authenticated and encrypted as in a job.
    public static func decisionRoundTrips(iterations: Int, workDir: URL, bind: String = "tcp://127.0.0.1:0", curve: Bool = true) throws -> [Double] {
        var cfg = TrainingConfig(name: "bench-comm", mode: .colad, networkA: NetworkConfig.preset("tiny")!,
                                 networkB: NetworkConfig.preset("tiny")!, iterations: iterations + 10)
        cfg.train.evalEvery = nil; cfg.train.checkpointEvery = nil
        cfg.distributed.heartbeatSeconds = 5
        let topology = JobTopology(k: 1, networks: [.a, .b], coordinatorRank: 0)
        if bind.hasPrefix("ipc://") { try? FileManager.default.removeItem(atPath: String(bind.dropFirst(6))) }
        defer { if bind.hasPrefix("ipc://") { try? FileManager.default.removeItem(atPath: String(bind.dropFirst(6))) } }
        let workerKeys = try (1...2).map { _ in try CurveKeyPair.generate() }
        let keys = curve ? ChannelKeys(coordinator: try CurveKeyPair.generate(), admitting: Set(workerKeys.map(\.publicKey))) : nil
        let coordinator = try Coordinator(.init(config: cfg, workDir: workDir, topology: topology, resume: false, stopAfter: nil,
                                                workerBind: bind, keys: keys, log: { _ in }))
        let endpoint = coordinator.workerEndpoint
        let box = Box(coordinator), failure = Box<Error?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread { do { try box.value.run() } catch { failure.value = error }; done.signal() }.start()

        var sockets: [ZMQSocket] = []
        for r in 1...2 {
            var o = SocketOptions(); o.identity = Array("w\(r)".utf8); o.heartbeatSeconds = nil
            o.curve = keys.map { .client(workerKeys[r - 1], serverKey: $0.coordinator) }
            let s = try ZMQSocket(.dealer, options: o)
            try s.connect(endpoint)
            try s.send([Frame(type: MessageKind.hello.rawValue, jobId: 0, iteration: 0, sender: r,
                              payload: Hello(network: r == 1 ? .a : .b, groupRank: 0, host: "bench", pid: 0, inbox: "").encode()).encoded()])
            sockets.append(s)
        }
        var job: UInt64 = 0
        for s in sockets {
            guard let f = try s.receive(timeout: 10)?.last, let w = try? Frame.decode(f, jobId: nil, maxPayload: 1 << 20) else {
                throw TrainingError("bench comm: the coordinator did not answer the hello")
            }
            job = w.jobId
        }
        func receiveDecision(_ s: ZMQSocket, _ t: Int) throws {
            while let frames = try s.receive(timeout: 10) {
                if let f = try? Frame.decode(frames.last!, jobId: job, maxPayload: 1 << 20), f.type == MessageKind.decision.rawValue, f.iteration == t { return }
            }
            throw TrainingError("bench comm: no decision for iteration \(t)")
        }
        var agg = AggregateStats()
        for i in 0..<40 { agg.add(CostStats(count: 9, mean: 1 + Double(i % 7) * 0.1, std: 0.3)) }
        var rtts: [Double] = []
        for t in 0..<iterations {
            let now = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
            try sockets[0].send([Frame(type: MessageKind.stats.rawValue, jobId: job, iteration: t, sender: 1,
                                       payload: Stats(a: agg).encode()).encoded()])
            let t0 = now()
            try sockets[1].send([Frame(type: MessageKind.stats.rawValue, jobId: job, iteration: t, sender: 2,
                                       payload: Stats(b: agg).encode()).encoded()])
            try receiveDecision(sockets[1], t)
            rtts.append(now() - t0)
            try receiveDecision(sockets[0], t)
            for (i, s) in sockets.enumerated() {
                var rep = Report(network: i == 0 ? .a : .b, record: NetworkRecord()); rep.images = 8
                try s.send([Frame(type: MessageKind.report.rawValue, jobId: job, iteration: t, sender: i + 1, payload: rep.encode()).encoded()])
            }
            // In training a whole forward pass separates a report from the next statistics; give the
            // coordinator the time to write the metrics line so it is not counted in the round trip.
            Thread.sleep(forTimeInterval: 0.002)
        }
        for (i, s) in sockets.enumerated() {
            try s.send([Frame(type: MessageKind.bye.rawValue, jobId: job, iteration: iterations, sender: i + 1, payload: []).encoded()])
        }
        guard done.wait(timeout: .now() + 10) == .success else { throw TrainingError("bench comm: coordinator did not finish") }
        if let e = failure.value { throw e }
        return rtts
    }

    /// One-way time of a pair message of `bytes` bytes (half the echo round trip), seconds.
    public static func pairOneWay(bytes: Int, repeats: Int, curve: Bool = true) throws -> [Double] {
        let inboxKeys = try CurveKeyPair.generate(), peerKeys = try CurveKeyPair.generate()
        var i = SocketOptions()
        if curve {
            ZAPHandler.shared.allow([peerKeys.publicKey], in: "colad-bench-inbox")
            i.curve = .server(inboxKeys, domain: "colad-bench-inbox")
        }
        let inbox = try ZMQSocket(.router, options: i)
        let ep = try inbox.bind("tcp://127.0.0.1:0")
        var o = SocketOptions(); o.identity = Array("p1".utf8)
        if curve { o.curve = .client(peerKeys, serverKey: inboxKeys.publicKey) }
        let out = try ZMQSocket(.dealer, options: o)
        try out.connect(ep)
        let msg = Frame(type: MessageKind.assignment.rawValue, jobId: 1, iteration: 0, sender: 1, payload: [UInt8](repeating: 7, count: bytes)).encoded()
        var times: [Double] = []
        for i in 0..<(repeats + 3) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try out.send([msg])
            guard let got = try inbox.receive(timeout: 10), got.count == 2 else { throw TrainingError("bench comm: pair message lost") }
            _ = try Frame.decode(got[1], jobId: 1, maxPayload: bytes + 1)   // the receiver's validation (CRC) is part of the cost
            try inbox.send([got[0], [1]])
            guard try out.receive(timeout: 10) != nil else { throw TrainingError("bench comm: echo lost") }
            if i >= 3 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 2e9) }
        }
        return times
    }

    /// Median per-phase seconds of a metrics.jsonl (iteration lines) and the communication share.
    public static func breakdown(metrics url: URL) throws -> [String: Any] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var phases: [String: [Double]] = [:]
        var steps: [Double] = []
        for line in text.split(separator: "\n") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["eval"] == nil,
                  let t = o["time"] as? [String: Double] else { continue }
            for (k, v) in t { phases[k, default: []].append(v) }
            steps.append(t.values.reduce(0, +))
        }
        guard !steps.isEmpty else { throw TrainingError("\(url.path): no iteration lines with timings") }
        let skip = warmUpIterations(steps.count)
        var med: [String: Double] = [:]
        for (k, v) in phases { med[k] = median(Array(v.dropFirst(skip))) }
        let step = median(Array(steps.dropFirst(skip)))
        let comm = ["allreduce", "coordinator_wait", "pair"].compactMap { med[$0] }.reduce(0, +)
        return ["iterations": steps.count, "median_step_s": step, "median_phase_s": med, "comm_s": comm, "comm_fraction": comm / step]
    }

    /// Iterations of a run's start left out of its medians (warm-up of buffers and sockets).
    static func warmUpIterations(_ count: Int) -> Int { min(5, count / 5) }

    /// The phases a worker spends communicating or waiting for its peers (trace span names).
    static let waitingSpans: Set<String> = ["coordinator_wait", "pair_send", "pair_receive", "allreduce"]

    /// Each worker's own communication share, from a distributed run's trace.json (`colad train
    /// --trace`): per iteration, its waiting spans ÷ its `iteration` span; per worker the median
    /// over iterations (the first min(5, n/5) skipped), and the mean over workers: the share of
    /// the job's capacity spent waiting. (metrics.jsonl keeps, per phase, the slowest worker's time,
    /// so its communication figure is in each iteration the larger of the workers' waits: when one
    /// worker waits for the other's statistics the other does not, and the mean is about half.)
    public static func perWorkerBreakdown(trace url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let events = root["traceEvents"] as? [[String: Any]] else {
            throw TrainingError("\(url.path): not a trace file (expected an object with traceEvents)")
        }
        var names: [String: String] = [:]   // "pid/tid" → thread name
        var comm: [String: [Int: Double]] = [:], iteration: [String: [Int: Double]] = [:]
        for e in events {
            guard let pid = e["pid"] as? Int, let tid = e["tid"] as? Int else { continue }
            let key = "\(pid)/\(tid)"
            if e["ph"] as? String == "M", e["name"] as? String == "thread_name", let a = e["args"] as? [String: Any] {
                names[key] = a["name"] as? String
            }
            guard e["ph"] as? String == "X", let name = e["name"] as? String, let dur = e["dur"] as? Double,
                  let t = (e["args"] as? [String: Any])?["iteration"] as? Int else { continue }
            if name == "iteration" { iteration[key, default: [:]][t] = dur }
            if waitingSpans.contains(name) { comm[key, default: [:]][t, default: 0] += dur }
        }
        var workers: [[String: Any]] = []
        for (key, iters) in iteration.sorted(by: { $0.key < $1.key }) {
            let shares = iters.keys.sorted().map { (comm[key]?[$0] ?? 0) / iters[$0]! }
            let kept = Array(shares.dropFirst(warmUpIterations(shares.count)))
            workers.append(["worker": names[key] ?? key, "iterations": kept.count, "comm_fraction": median(kept),
                            "comm_fraction_mean": kept.reduce(0, +) / Double(max(kept.count, 1))])
        }
        guard !workers.isEmpty else { throw TrainingError("\(url.path): no iteration spans (a trace of a distributed run, colad train --trace)") }
        let mean = workers.map { $0["comm_fraction"] as! Double }.reduce(0, +) / Double(workers.count)
        return ["workers": workers, "comm_fraction_mean_of_workers": mean]
    }
}
