// The coordinator (DESIGN.md §1–§4): collects every worker's statistics of iteration t, applies
// the CoLAD rule (the same `TeacherRule` as the single-process reference), sends Decision(t) to
// every worker, schedules evaluation and checkpoints (commits state + manifest after the
// groups' first ranks wrote their networks), writes metrics.jsonl, detects dead or stalled
// workers, and answers status queries on its own socket. One thread, one poll loop; every
// wait is bounded.
import Config
import Distillation
import Engine
import Foundation
import Training
import Transport

public final class Coordinator {
    public struct Settings {
        public var config: TrainingConfig
        public var workDir: URL
        public var topology: JobTopology
        public var resume: Bool
        public var stopAfter: Int?
        /// Where workers connect (tcp://HOST:PORT; port 0 = any free port).
        public var workerBind: String
        public var log: (String) -> Void
        public init(config: TrainingConfig, workDir: URL, topology: JobTopology, resume: Bool, stopAfter: Int?,
                    workerBind: String, log: @escaping (String) -> Void) {
            self.config = config; self.workDir = workDir; self.topology = topology; self.resume = resume
            self.stopAfter = stopAfter; self.workerBind = workerBind; self.log = log
        }
    }

    struct WorkerState {
        var rank: Int
        var network: NetworkID
        var groupRank: Int
        var host = "?"
        var pid = 0
        var identity: [UInt8] = []
        var heartbeatIdentity: [UInt8]?
        var lastHeard = Date()
        var lastIteration = -1
        var phase = WorkerPhase.starting
        var times: [String: Double] = [:]
        var rejected = RejectionCounters()
        var finished = false
    }

    public let settings: Settings
    let config: TrainingConfig
    let rule: TeacherRule
    let workerSocket: ZMQSocket
    let statusSocket: ZMQSocket
    public let workerEndpoint: String
    public let statusEndpoint: String
    public let jobId: UInt64
    let token: String
    let maxPayload: Int
    let started = Date()

    var workers: [Int: WorkerState] = [:]
    var phase = "starting"
    var firstError: String?
    var rejected = RejectionCounters()          // at the coordinator's own sockets
    var start = 0, end = 0
    var next = 0                                 // next iteration to decide
    var stats: [Int: [Int: Stats]] = [:]         // iteration → rank → stats
    var statsSince: [Int: Date] = [:]
    var reports: [Int: [Int: Report]] = [:]
    var pendingRecords: [Int: DecisionRecord?] = [:]   // decided, metrics line not yet written
    var pendingEvals: [Int: [[String: Any]]] = [:]
    var saved: [Int: [NetworkID: Saved]] = [:]
    var written = -1                             // last iteration whose metrics line is written
    var decisions: [(iteration: Int, teacher: String, ratio: Double)] = []
    var teacherBSum = 0.0, decided = 0
    var lastNetworks: [NetworkID: NetworkRecord] = [:]
    var lastEval: [NetworkID: (iteration: Int, map: Double)] = [:]
    var lastCheckpoint: (iteration: Int, path: String, at: Date)?
    var lineTimes: [(Date, Int)] = []             // (time, images) per written iteration
    var requestedStop = false, requestedCheckpoint = false
    var latestEpoch = 0
    var metrics: MetricsLog?
    var inboxes: [Int: String] = [:]
    var advertisedWorkers: String?
    let snapshot = CoordinatorSnapshot()
    var terminationSource: DispatchSourceSignal?
    var progress: ProgressReporter?

    var trained: [NetworkID] { config.trainedNetworks }

    public init(_ settings: Settings) throws {
        self.settings = settings
        config = settings.config
        rule = TeacherRule(config.colad)
        maxPayload = config.distributed.maxMessageBytes
        var opts = SocketOptions()
        opts.maxMessageBytes = config.distributed.maxMessageBytes + Frame.headerSize
        opts.heartbeatSeconds = config.distributed.heartbeatSeconds
        workerSocket = try ZMQSocket(.router, options: opts)
        statusSocket = try ZMQSocket(.router, options: opts)
        workerEndpoint = try workerSocket.bind(settings.workerBind)
        do { statusEndpoint = try statusSocket.bind(config.distributed.statusBind) } catch {
            throw TrainingError("cannot bind the status endpoint \(config.distributed.statusBind): \(error)",
                                hint: "set distributed.status_bind to a free address, e.g. tcp://127.0.0.1:0 for any free port")
        }
        var g = SystemRandomNumberGenerator()
        jobId = g.next() | 1
        token = (0..<16).map { _ in String(format: "%02x", g.next() & 0xFF) }.joined()
        for r in settings.topology.workerRanks {
            guard case .worker(let n, let gr) = settings.topology.role(of: r) else { continue }
            workers[r] = WorkerState(rank: r, network: n, groupRank: gr)
        }
    }

    // MARK: Start-up files

    /// The endpoints peers use (known in mpirun mode): the worker endpoint as advertised to other
    /// hosts and the pair inboxes by world rank. Recorded in endpoints.json and the start-up line.
    public func setAdvertised(workers: String, inboxes: [Int: String]) { advertisedWorkers = workers; self.inboxes = inboxes }

    func writeEndpointFiles() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: settings.workDir, withIntermediateDirectories: true)
        try writeEndpointsJSON()
        try writeAtomically(Data((statusEndpoint + "\n").utf8), to: settings.workDir.appendingPathComponent("status-endpoint"))
        let tokenURL = settings.workDir.appendingPathComponent("control-token")
        try? fm.removeItem(at: tokenURL)
        guard fm.createFile(atPath: tokenURL.path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw TrainingError("cannot write \(tokenURL.path)", hint: "check the work dir's permissions")
        }
        try writeAtomically(Data(config.resolvedYAML().utf8), to: settings.workDir.appendingPathComponent("config.yaml"))
    }

    /// WORK_DIR/endpoints.json: the worker endpoint, the status endpoint and the pair inboxes.
    func writeEndpointsJSON() throws {
        let eps: [String: Any] = ["workers": advertisedWorkers ?? workerEndpoint, "status": statusEndpoint,
                                  "inboxes": Dictionary(uniqueKeysWithValues: inboxes.map { (String($0.key), $0.value) })]
        try writeAtomically(try JSONSerialization.data(withJSONObject: eps, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]),
                            to: settings.workDir.appendingPathComponent("endpoints.json"))
    }

    /// Resume point: the latest complete checkpoint (verified as the single-process trainer does).
    func resumePoint() throws -> (Int, URL?) {
        guard settings.resume else { return (0, nil) }
        guard let (dir, state) = try Checkpoint.resumePoint(root: settings.workDir.appendingPathComponent("checkpoints"), config: config,
                                                            workDir: settings.workDir, log: settings.log) else { return (0, nil) }
        if let r = state.extra["teacher_b_sum"], let v = Double(r) { teacherBSum = v }
        if let r = state.extra["decided"], let v = Int(r) { decided = v }
        return (state.iteration, dir)
    }

    // MARK: The loop

    /// Runs the job to the end. Throws `JobFailure` naming the rank, host, iteration and cause.
    public func run() throws {
        try writeEndpointFiles()
        let (first, resumeDir) = try resumePoint()
        start = first; next = first; written = first - 1
        let total = config.train.iterations
        end = min(total, settings.stopAfter.map { first + $0 } ?? total)
        metrics = try MetricsLog(url: settings.workDir.appendingPathComponent("metrics.jsonl"), truncateAfterIteration: first - 1)
        progress = ProgressReporter(total: total, logEvery: config.train.logEvery, log: settings.log)
        settings.log("coordinator: job \(String(jobId, radix: 16)), \(settings.topology.k) rank(s) per network, "
                     + "workers connect to \(advertisedWorkers ?? workerEndpoint); status: colad status --endpoint \(statusEndpoint)")
        try awaitWorkers(resumeDir: resumeDir)
        try writeEndpointsJSON()   // now with every inbox (an external coordinator learns them from the hellos)
        phase = "running"
        settings.log("training \(config.name) (\(config.mode.rawValue)) iterations \(start)..<\(end) of \(total), "
                     + "global batch \(config.train.batchSize * settings.topology.k), work dir \(settings.workDir.path)")
        var lastHeartbeat = Date.distantPast
        while !(workers.values.allSatisfy(\.finished)) {
            let ready = try ZMQSocket.poll([workerSocket, statusSocket], timeout: 0.05)
            if ready[0] { try drainWorkers() }
            if ready[1] { drainStatus() }
            try advance()
            if Date().timeIntervalSince(lastHeartbeat) >= config.distributed.heartbeatSeconds {
                lastHeartbeat = Date()
                broadcast(.heartbeat, iteration: next, payload: [])
            }
            try checkLiveness()
            publishSnapshot()
        }
        progress?.finish()
        phase = "finished"
        // Answer status clients briefly so a final query sees "finished".
        let until = Date().addingTimeInterval(0.2)
        while Date() < until { if (try? ZMQSocket.poll([statusSocket], timeout: 0.05))?.first == true { drainStatus() } }
        settings.log("coordinator: job finished at iteration \(next)")
        for (id, e) in lastEval.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            settings.log(String(format: "final %@ (%@): mAP %.4f at iteration %d", id.rawValue, config.network(id)?.preset ?? "custom", e.map, e.iteration))
        }
    }

    /// Start-up bound: every worker opens its dataset (a large COCO file takes a while) and says
    /// hello; the coordinator answers once all have.
    static func startupSeconds(_ config: TrainingConfig) -> Double { max(120, 4 * config.distributed.timeoutSeconds) }

    func awaitWorkers(resumeDir: URL?) throws {
        let deadline = Date().addingTimeInterval(Coordinator.startupSeconds(config))
        while workers.values.contains(where: { $0.identity.isEmpty }) {
            guard Date() < deadline else {
                let missing = workers.values.filter { $0.identity.isEmpty }.map { "rank \($0.rank)" }.sorted()
                throw JobFailure("workers never said hello: \(missing.joined(separator: ", ")) "
                                 + "(waited \(Int(Coordinator.startupSeconds(config))) s at \(workerEndpoint))")
            }
            let ready = try ZMQSocket.poll([workerSocket, statusSocket], timeout: 0.1)
            if ready[0] { try drainWorkers() }
            if ready[1] { drainStatus() }
        }
        let welcome = Welcome(startIteration: start, endIteration: end, resumeFrom: resumeDir?.path ?? "").encode()
        for w in workers.values { try send(to: w.identity, kind: .welcome, iteration: start, payload: welcome) }
    }

    // MARK: Messages from workers

    func drainWorkers() throws {
        while let frames = try workerSocket.receiveNow() {
            guard frames.count == 2 else { countRejected(.malformedPayload, socket: "coordinator"); continue }
            let identity = frames[0]
            let frame: Frame
            do { frame = try Frame.decode(frames[1], jobId: nil, maxPayload: maxPayload) } catch {
                countRejected(error as? FrameRejection ?? .malformedPayload, socket: "coordinator"); continue
            }
            guard let kind = MessageKind(rawValue: frame.type), workers[frame.sender] != nil else {
                countRejected(.unexpected, socket: "coordinator"); continue
            }
            // Only a hello may carry job id 0 (the worker does not know it yet).
            if !(kind == .hello && frame.jobId == 0) && frame.jobId != jobId { countRejected(.wrongJob, socket: "coordinator"); continue }
            do { try handle(kind, frame, identity: identity) } catch let e as JobFailure { throw e } catch {
                countRejected(error as? FrameRejection ?? .malformedPayload, socket: "coordinator")
            }
        }
    }

    func handle(_ kind: MessageKind, _ f: Frame, identity: [UInt8]) throws {
        let r = f.sender
        // A message from an identity other than the rank's own sockets is an impostor.
        if kind != .hello, kind != .heartbeat, identity != workers[r]!.identity { throw FrameRejection.unexpected }
        workers[r]!.lastHeard = Date()
        switch kind {
        case .hello:
            let h = try Hello.decode(f.payload)
            guard h.network == workers[r]!.network, h.groupRank == workers[r]!.groupRank, workers[r]!.identity.isEmpty else {
                throw FrameRejection.unexpected
            }
            workers[r]!.identity = identity; workers[r]!.host = h.host; workers[r]!.pid = h.pid
            if inboxes[r] == nil, !h.inbox.isEmpty { inboxes[r] = h.inbox }   // external coordinator: learnt here
        case .heartbeat:
            let h = try Heartbeat.decode(f.payload)
            if workers[r]!.heartbeatIdentity == nil { workers[r]!.heartbeatIdentity = identity }
            guard identity == workers[r]!.heartbeatIdentity || identity == workers[r]!.identity else { throw FrameRejection.unexpected }
            workers[r]!.phase = h.phase
        case .stats:
            guard f.iteration >= next, f.iteration < end else { throw FrameRejection.unexpected }
            let s = try Stats.decode(f.payload)
            if stats[f.iteration] == nil { statsSince[f.iteration] = Date() }
            stats[f.iteration, default: [:]][r] = s
            workers[r]!.phase = .training
        case .report:
            guard f.iteration < next, f.iteration > written else { throw FrameRejection.unexpected }
            let rep = try Report.decode(f.payload)
            reports[f.iteration, default: [:]][r] = rep
            workers[r]!.lastIteration = f.iteration
            workers[r]!.times = rep.times
            workers[r]!.rejected = rep.rejected
            latestEpoch = max(latestEpoch, rep.epoch)
        case .saved:
            let s = try Saved.decode(f.payload)
            saved[f.iteration, default: [:]][s.network] = s
            try commitCheckpointIfComplete(f.iteration)
        case .evalResult:
            let m = try TextMessage.decode(f.payload)
            guard let net = m.network, let obj = try JSONSerialization.jsonObject(with: Data(m.text.utf8)) as? [String: Any] else {
                throw FrameRejection.malformedPayload
            }
            var rec: [String: Any] = ["iteration": f.iteration, "eval": net.rawValue]
            for (k, v) in obj { rec[k] = v }
            if let map = obj["bbox_mAP"] as? Double { lastEval[net] = (f.iteration + 1, map) }
            settings.log(String(format: "eval %@ @%d: mAP %.4f  AP50 %.4f  AP75 %.4f", net.rawValue, f.iteration + 1,
                                obj["bbox_mAP"] as? Double ?? .nan, obj["bbox_mAP_50"] as? Double ?? .nan, obj["bbox_mAP_75"] as? Double ?? .nan))
            if f.iteration <= written { metrics?.append(rec) } else { pendingEvals[f.iteration, default: []].append(rec) }
        case .failure:
            let m = try TextMessage.decode(f.payload)
            let w = workers[r]!
            throw JobFailure("rank \(r) (\(w.network.rawValue)\(w.groupRank), host \(w.host), pid \(w.pid)) failed at iteration \(f.iteration): \(m.text)")
        case .bye:
            workers[r]!.finished = true
            workers[r]!.phase = .finished
        default:
            throw FrameRejection.unexpected
        }
    }

    // MARK: Decisions and records

    func advance() throws {
        // Decide iteration `next` once every worker's stats are in.
        if next < end, let s = stats[next], s.count == workers.count {
            let (decision, record) = decide(s)
            let done = next + 1, total = config.train.iterations
            var d = decision
            d.evaluate = (config.train.evalEvery.map { done % $0 == 0 } ?? false && done < total) || done == total
            d.checkpoint = (config.train.checkpointEvery.map { done % $0 == 0 } ?? false && done < end) || done == end || requestedCheckpoint
            d.last = done == end || requestedStop
            if requestedStop { d.checkpoint = true; end = done }
            requestedCheckpoint = false
            if let record {
                decided += 1; teacherBSum += record.teacherBRatio
                decisions.append((next, record.teacher?.rawValue ?? "mixed", record.teacherBRatio))
                if decisions.count > 20 { decisions.removeFirst() }
            }
            broadcast(.decision, iteration: next, payload: d.encode())
            pendingRecords[next] = record
            if d.checkpoint { phase = "checkpointing" }
            stats[next] = nil; statsSince[next] = nil
            next += 1
        }
        // Write iteration lines in order once every worker reported.
        while let r = reports[written + 1], r.count == workers.count {
            let t = written + 1
            writeRecord(t, r)
            reports[t] = nil
            written = t
            for e in pendingEvals[t] ?? [] { metrics?.append(e) }
            pendingEvals[t] = nil
        }
    }

    /// The rule on the global batch's statistics, merged in rank order.
    func decide(_ s: [Int: Stats]) -> (Decision, DecisionRecord?) {
        guard config.mode == .colad else { return (Decision(teacher: .a, evaluate: false, checkpoint: false, last: false), nil) }
        var aggA = AggregateStats(), aggB = AggregateStats()
        let aRanks = (0..<settings.topology.k).map { settings.topology.rank(of: .a, groupRank: $0) }
        let bRanks = (0..<settings.topology.k).map { settings.topology.rank(of: .b, groupRank: $0) }
        switch config.colad.granularity {
        case .iteration:
            for r in aRanks { if let a = s[r]?.a { aggA.merge(a) } }
            for r in bRanks { if let b = s[r]?.b { aggB.merge(b) } }
            let teacher = rule.decide(a: aggA, b: aggB)
            return (Decision(teacher: teacher, evaluate: false, checkpoint: false, last: false),
                    DecisionRecord(a: aggA, b: aggB, teacher: teacher, teacherBRatio: teacher == .b ? 1 : 0))
        case .object:
            var pairs = 0, fromB = 0
            for r in aRanks {
                if let x = s[r] { if let a = x.a { aggA.merge(a) }; if let b = x.b { aggB.merge(b) }; pairs += x.pairs; fromB += x.fromB }
            }
            let ratio = pairs > 0 ? Double(fromB) / Double(pairs) : 0
            return (Decision(teacher: nil, evaluate: false, checkpoint: false, last: false),
                    DecisionRecord(a: aggA, b: aggB, teacher: nil, teacherBRatio: ratio))
        }
    }

    func writeRecord(_ t: Int, _ reps: [Int: Report]) {
        var rec = IterationRecord(iteration: t)
        rec.decision = pendingRecords.removeValue(forKey: t) ?? nil
        for id in trained {
            var n = NetworkRecord(cls: 0, box: 0, iou: 0, numPositives: 0, lr: 0)
            var kd: KDParts?
            for g in 0..<settings.topology.k {
                guard let r = reps[settings.topology.rank(of: id, groupRank: g)] else { continue }
                n.cls += r.cls; n.box += r.box; n.iou += r.iou; n.numPositives += r.numPositives; n.lr = Float(r.lr)
                if let k = r.kd {
                    kd = KDParts(cls: (kd?.cls ?? 0) + k[0], iou: (kd?.iou ?? 0) + k[1], box: (kd?.box ?? 0) + k[2])
                }
            }
            n.kd = kd
            rec.networks[id] = n
            lastNetworks[id] = n
        }
        // Timing: the slowest rank per phase (the iteration waits for it).
        for r in reps.values { for (k, v) in r.times where k != "total" { rec.times[k] = max(rec.times[k] ?? 0, v) } }
        let firstNet = config.networks[0]
        rec.images = (0..<settings.topology.k).compactMap { reps[settings.topology.rank(of: firstNet, groupRank: $0)]?.images }.reduce(0, +)
        metrics?.append(rec.jsonObject())
        lineTimes.append((Date(), rec.images))
        if lineTimes.count > 50 { lineTimes.removeFirst() }
        progress?.update(rec)
        if phase == "checkpointing", lastCheckpoint.map({ $0.iteration > t }) ?? false { phase = "running" }
    }

    func commitCheckpointIfComplete(_ t: Int) throws {
        guard let s = saved[t], trained.allSatisfy({ s[$0] != nil }) else { return }
        saved[t] = nil
        let root = settings.workDir.appendingPathComponent("checkpoints")
        let dir = root.appendingPathComponent(Checkpoint.directoryName(t + 1))
        let any = s[trained[0]]!
        var steps: [String: Int] = [:]
        for id in trained { steps[id.rawValue] = s[id]!.optimizerSteps }
        let state = TrainingState(iteration: t + 1, epoch: any.epoch, iterationInEpoch: any.iterationInEpoch, optimizerSteps: steps,
                                  extra: ["teacher_b_sum": String(teacherBSum), "decided": String(decided), "job_id": String(jobId, radix: 16)],
                                  configHash: config.hash)
        do { try Checkpoint.commit(dir, state: state, root: root) } catch {
            throw JobFailure("coordinator could not commit checkpoint \(dir.path) at iteration \(t): \(error)")
        }
        if let keep = config.train.keepCheckpoints { Checkpoint.prune(root, keep: keep) }
        lastCheckpoint = (t + 1, dir.path, Date())
        if phase == "checkpointing" { phase = "running" }
        settings.log("checkpoint \(dir.path)")
    }

    // MARK: Liveness

    func checkLiveness() throws {
        let now = Date()
        let deadAfter = 3 * config.distributed.heartbeatSeconds
        for w in workers.values where !w.finished {
            let silent = now.timeIntervalSince(w.lastHeard)
            if silent > deadAfter {
                throw JobFailure("rank \(w.rank) (\(w.network.rawValue)\(w.groupRank), host \(w.host), pid \(w.pid)) sent no heartbeat for "
                                 + String(format: "%.1f s", silent) + " at iteration \(max(w.lastIteration + 1, next - 1)) (process died, was stopped, or the network dropped)")
            }
        }
        // Stall: alive but not delivering its statistics for `next` (evaluation excepted).
        if let since = statsSince[next], now.timeIntervalSince(since) > config.distributed.timeoutSeconds {
            let got = stats[next] ?? [:]
            if let w = workers.values.sorted(by: { $0.rank < $1.rank }).first(where: { got[$0.rank] == nil && $0.phase != .evaluating && $0.phase != .checkpointing }) {
                throw JobFailure("rank \(w.rank) (\(w.network.rawValue)\(w.groupRank), host \(w.host), pid \(w.pid)) stalled at iteration \(next): "
                                 + "no statistics for \(Int(config.distributed.timeoutSeconds)) s while the other ranks waited (distributed.timeout_seconds)")
            }
        }
    }

    // MARK: Sending

    func send(to identity: [UInt8], kind: MessageKind, iteration: Int, payload: [UInt8]) throws {
        try workerSocket.send([identity, Frame(type: kind.rawValue, jobId: jobId, iteration: iteration, sender: settings.topology.coordinatorRank ?? -1,
                                               payload: payload).encoded()])
    }

    /// To every worker's main socket; a vanished peer is left to the liveness check.
    func broadcast(_ kind: MessageKind, iteration: Int, payload: [UInt8]) {
        for w in workers.values where !w.identity.isEmpty && !w.finished {
            try? send(to: w.identity, kind: kind, iteration: iteration, payload: payload)
        }
    }

    /// Tells every worker's heartbeat thread to end its process (external coordinator).
    public func abortWorkers(_ message: String) {
        let payload = TextMessage(network: nil, text: message).encode()
        for w in workers.values {
            for id in [w.heartbeatIdentity, w.identity].compactMap({ $0 }) where !id.isEmpty {
                try? send(to: id, kind: .abort, iteration: next, payload: payload)
            }
        }
    }

    func countRejected(_ r: FrameRejection, socket: String) {
        if rejected.count(r) { settings.log("coordinator: rejected a message on the \(socket) socket (\(r.rawValue)); further ones are counted in status") }
    }

    public func markFailed(_ message: String) {
        phase = "failed"
        if firstError == nil { firstError = message }
    }
}

// MARK: Termination by mpirun

/// What a signal handler may read: the iteration and the workers' identities.
final class CoordinatorSnapshot: @unchecked Sendable {
    let lock = NSLock()
    var iteration = 0
    var workers: [(rank: Int, name: String, host: String, pid: Int)] = []
}

extension Coordinator {
    func publishSnapshot() {
        snapshot.lock.lock()
        snapshot.iteration = next
        if snapshot.workers.count != workers.count || snapshot.workers.contains(where: { $0.pid == 0 }) {
            snapshot.workers = workers.values.sorted { $0.rank < $1.rank }.map { ($0.rank, "\($0.network.rawValue)\($0.groupRank)", $0.host, $0.pid) }
        }
        snapshot.lock.unlock()
    }

    /// When mpirun ends the job because a rank exited (it sends SIGTERM to the others), print one
    /// line naming the rank (found among this host's workers by pid), host and iteration.
    public func installTerminationHandler() {
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        let snap = snapshot
        source.setEventHandler {
            snap.lock.lock(); let it = snap.iteration, ws = snap.workers; snap.lock.unlock()
            let here = HostInfo.name
            let gone = ws.filter { $0.host == here && $0.pid > 0 && kill(pid_t($0.pid), 0) != 0 }
            let who = gone.isEmpty ? "a worker rank on another host (see mpirun's message)"
                : gone.map { "rank \($0.rank) (\($0.name), host \($0.host), pid \($0.pid))" }.joined(separator: ", ")
            let line = "colad: job failed: \(who) exited during iteration \(it); mpirun ended the job\n"
            FileHandle.standardError.write(Data(line.utf8))
            _exit(1)
        }
        source.resume()
        terminationSource = source
    }
}

/// The job cannot go on; the message names rank, host, iteration and cause.
public struct JobFailure: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
