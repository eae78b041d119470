// The coordinator process (DESIGN.md §1–§4) as a thin I/O loop around the shared pieces: the
// `Ledger` decides, schedules and records (the same type the single-process Trainer uses), the
// `Journal` writes metrics and commits checkpoints, the `WorkerTable` knows who is who and who
// is alive, StatusServer.swift answers status and control requests. One thread, one poll loop
// over a MessageTransport (ZeroMQ in jobs, in-memory in tests); every wait is bounded.
import Config
import Distillation
import Engine
import Foundation
import Training
import Transport

/// The job cannot go on; the message names rank, host, iteration and cause.
public struct JobFailure: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The job's phase, as status reports it.
public enum JobPhase: String, Sendable {
    case starting, running, checkpointing, finished, failed
}

public final class Coordinator {
    public struct Settings {
        public var config: TrainingConfig
        public var workDir: URL
        public var topology: JobTopology
        public var resume: Bool
        public var stopAfter: Int?
        /// Where replicas connect (tcp://HOST:PORT, ipc://PATH, mem://NAME; port 0 = any free port).
        public var workerBind: String
        public var transport: MessageTransport
        /// CURVE keys of the job's channels (nil: plain, e.g. the in-memory transport of tests).
        public var keys: ChannelKeys?
        public var log: (String) -> Void
        public init(config: TrainingConfig, workDir: URL, topology: JobTopology, resume: Bool, stopAfter: Int?,
                    workerBind: String, transport: MessageTransport = ZMQTransport(), keys: ChannelKeys?, log: @escaping (String) -> Void) {
            self.config = config; self.workDir = workDir; self.topology = topology; self.resume = resume
            self.stopAfter = stopAfter; self.workerBind = workerBind; self.transport = transport; self.keys = keys; self.log = log
        }
    }

    public let settings: Settings
    let config: TrainingConfig
    let plan: ModePlan
    let workerSocket: MessageSocket
    let statusSocket: MessageSocket
    public let workerEndpoint: String
    public let statusEndpoint: String
    public let jobId: UInt64
    let token: String
    let maxPayload: Int
    let started = Date()
    /// Sender rank of the coordinator's frames (−1 when it is not an MPI rank).
    let senderRank: Int

    var ledger: Ledger
    var journal: Journal?
    var workers: WorkerTable
    /// When the ledger last moved (statistics, a decision, a record): a job where no rank delivers
    /// anything for timeout_seconds is stuck even if every rank still heartbeats.
    var progressAt = Date()
    var done = false
    var firstError: String?
    var rejected = RejectionCounters()          // at the worker socket (incl. refused handshakes)
    var rejectedStatus = RejectionCounters()    // at the status socket
    var inboxes: [Int: String] = [:]
    var advertisedWorkers: String?
    /// What a signal handler may read (CLI: mpirun's SIGTERM).
    public let snapshot = CoordinatorSnapshot()
    /// monitor.prometheus_port: `/metrics`, republished from status() at most every 0.5 s.
    var metrics: MetricsServer?
    var metricsPublished = Date.distantPast

    public init(_ settings: Settings) throws {
        self.settings = settings
        config = settings.config
        plan = ModePlan(config)
        maxPayload = config.distributed.maxMessageBytes
        senderRank = settings.topology.coordinatorRank ?? -1
        // Sends never block the loop: a peer whose queue is full is skipped (a replica that far
        // behind is left to the liveness check; a status client that does not read its replies
        // loses them), so heartbeats keep going out.
        var opts = SocketOptions()
        opts.heartbeatSeconds = config.distributed.heartbeatSeconds
        opts.sendTimeoutSeconds = 0
        opts.maxMessageBytes = Coordinator.statusPayloadLimit + Frame.headerSize
        statusSocket = try settings.transport.socket(.router, options: opts)   // plain: read-only queries, token for control
        opts.maxMessageBytes = config.distributed.maxMessageBytes + Frame.headerSize
        opts.curve = settings.keys?.coordinatorServer
        workerSocket = try settings.transport.socket(.router, options: opts)
        workerEndpoint = try workerSocket.bind(settings.workerBind)
        let statusBind = settings.workerBind.hasPrefix("mem://") ? "mem://*" : config.distributed.statusBind
        do { statusEndpoint = Coordinator.reachable(try statusSocket.bind(statusBind)) } catch {
            throw TrainingError("cannot bind the status endpoint \(statusBind): \(error)",
                                hint: "set distributed.status_bind to a free address, e.g. tcp://127.0.0.1:0 for any free port")
        }
        var g = SystemRandomNumberGenerator()
        jobId = g.next() | 1
        token = (0..<16).map { _ in String(format: "%02x", g.next() & 0xFF) }.joined()
        ledger = Ledger(config: config, plan: plan, topology: settings.topology, start: 0, stopAfter: settings.stopAfter)
        workers = WorkerTable(topology: settings.topology, now: Date())
    }

    /// A status endpoint bound to every interface (tcp://0.0.0.0:PORT) is reached, from this
    /// host and others, at the job's address; that is what status-endpoint records.
    static func reachable(_ bound: String) -> String {
        guard bound.hasPrefix("tcp://0.0.0.0:"), let address = try? HostInfo.jobAddress() else { return bound }
        return "tcp://\(address):" + bound.dropFirst("tcp://0.0.0.0:".count)
    }

    var phase: JobPhase {
        if firstError != nil { return .failed }
        if done { return .finished }
        if !workers.allJoined { return .starting }
        return ledger.checkpointing ? .checkpointing : .running
    }

    // MARK: Start-up files

    /// Serves `/metrics` when monitor.prometheus_port is set; its URL goes to WORK_DIR/metrics-endpoint.
    func startMetrics() throws {
        guard let port = config.monitor.prometheusPort else { return }
        let server = try MetricsServer(host: config.monitor.prometheusHost, port: port)
        metrics = server
        let host = server.host == "0.0.0.0" ? ((try? HostInfo.jobAddress()) ?? server.host) : server.host
        let url = "http://\(host):\(server.port)/metrics"
        try writeAtomically(Data((url + "\n").utf8), to: settings.workDir.appendingPathComponent("metrics-endpoint"))
        settings.log("coordinator: Prometheus metrics at \(url)")
        publishMetrics(now: true)
    }

    func publishMetrics(now force: Bool = false) {
        guard let metrics, force || Date().timeIntervalSince(metricsPublished) >= 0.5 else { return }
        metricsPublished = Date()
        metrics.publish(OpenMetrics.render(status: status()))
    }

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
    }

    /// WORK_DIR/endpoints.json: the worker endpoint, the status endpoint and the pair inboxes.
    func writeEndpointsJSON() throws {
        for w in workers.all where inboxes[w.rank] == nil && !w.inbox.isEmpty { inboxes[w.rank] = w.inbox }
        let eps: [String: Any] = ["workers": advertisedWorkers ?? workerEndpoint, "status": statusEndpoint,
                                  "inboxes": Dictionary(uniqueKeysWithValues: inboxes.map { (String($0.key), $0.value) })]
        try writeAtomically(try JSONSerialization.data(withJSONObject: eps, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]),
                            to: settings.workDir.appendingPathComponent("endpoints.json"))
    }

    // MARK: The loop

    /// Runs the job to the end. Throws `JobFailure` naming the rank, host, iteration and cause.
    public func run() throws {
        defer { metrics?.close() }
        do { try runLoop() } catch {
            if firstError == nil { firstError = "\(error)" }
            journal?.writeTrace()   // the spans up to the failure
            throw error
        }
    }

    func runLoop() throws {
        try writeEndpointFiles()
        try startMetrics()
        let launch = try Launch.open(config: config, plan: plan, topology: settings.topology, workDir: settings.workDir, resume: settings.resume,
                                     stopAfter: settings.stopAfter, jobId: String(jobId, radix: 16), log: settings.log)
        ledger = launch.ledger
        journal = launch.journal
        settings.log("coordinator: job \(String(jobId, radix: 16)), \(settings.topology.ranksDescription), "
                     + "workers connect to \(advertisedWorkers ?? workerEndpoint); status: colad status --endpoint \(statusEndpoint)")
        try awaitWorkers(launch.welcome(coordinatorHost: HostInfo.name))
        try writeEndpointsJSON()   // now with every inbox (an external coordinator learns them from the hellos)
        settings.log(Journal.startLine(config, ledger: ledger, workDir: settings.workDir))
        var lastHeartbeat = Date.distantPast
        progressAt = Date()
        publishSnapshot()
        while !workers.allFinished {
            let ready = try settings.transport.poll([workerSocket, statusSocket], timeout: 0.05)
            if ready[0] { try drainWorkers() }
            if ready[1] { drainStatus() }
            if Date().timeIntervalSince(lastHeartbeat) >= config.distributed.heartbeatSeconds {
                lastHeartbeat = Date()
                broadcast(.heartbeat, iteration: ledger.next, payload: [])
                countRefusedHandshakes()
            }
            answerProbe()
            publishMetrics()
            try checkLiveness()
        }
        let finals = journal!.finish()
        done = true
        publishMetrics(now: true)
        // Answer status clients briefly so a final query sees "finished".
        let until = Date().addingTimeInterval(0.2)
        while Date() < until { if (try? settings.transport.poll([statusSocket], timeout: 0.05))?.first == true { drainStatus() } }
        settings.log("coordinator: job finished at iteration \(ledger.next)")
        for line in finals { settings.log(line) }
    }

    /// Start-up bound: every replica opens its dataset (a large COCO file takes a while) and
    /// says hello; the coordinator answers once all have.
    public static func startupSeconds(_ config: TrainingConfig) -> Double { max(120, 4 * config.distributed.timeoutSeconds) }

    func awaitWorkers(_ welcome: Welcome) throws {
        let deadline = Date().addingTimeInterval(Coordinator.startupSeconds(config))
        while !workers.allJoined {
            guard Date() < deadline else {
                let missing = workers.all.filter { !$0.joined }.map { "rank \($0.rank)" }
                throw JobFailure("workers never said hello: \(missing.joined(separator: ", ")) "
                                 + "(waited \(Int(Coordinator.startupSeconds(config))) s at \(workerEndpoint))")
            }
            let ready = try settings.transport.poll([workerSocket, statusSocket], timeout: 0.1)
            if ready[0] { try drainWorkers() }
            if ready[1] { drainStatus() }
            countRefusedHandshakes()
            publishMetrics()
        }
        for w in workers.all {
            do { try send(to: w.identity, kind: .welcome, iteration: welcome.startIteration, payload: welcome.encode()) } catch {
                throw JobFailure("\(w.name) said hello but cannot be welcomed (\(error)): its connection closed during start-up")
            }
        }
    }

    // MARK: Messages from replicas

    func drainWorkers() throws {
        while let frames = try workerSocket.receiveNow() {
            guard frames.count == 2 else { countRejected(.malformedPayload, socket: "coordinator"); continue }
            let frame: Frame
            do { frame = try Frame.decode(frames[1], jobId: nil, maxPayload: maxPayload) } catch {
                countRejected(error as? FrameRejection ?? .malformedPayload, socket: "coordinator"); continue
            }
            guard let kind = MessageKind(rawValue: frame.type), workers[frame.sender] != nil else {
                countRejected(.unexpected, socket: "coordinator"); continue
            }
            // Only a hello may carry job id 0 (the replica does not know it yet).
            if !(kind == .hello && frame.jobId == 0) && frame.jobId != jobId { countRejected(.wrongJob, socket: "coordinator"); continue }
            do { try handle(kind, frame, identity: frames[0]) } catch let e as JobFailure { throw e } catch let r as FrameRejection {
                countRejected(r, socket: "coordinator")
            } catch is LedgerRejection {
                countRejected(.unexpected, socket: "coordinator")
            }
        }
    }

    func handle(_ kind: MessageKind, _ f: Frame, identity: [UInt8]) throws {
        let r = f.sender, now = Date()
        switch kind {
        case .hello:
            try workers.hello(try Hello.decode(f.payload), rank: r, identity: identity, now: now)
            return
        case .heartbeat:
            try workers.heartbeat(try Heartbeat.decode(f.payload), rank: r, identity: identity, now: now)
            return
        default:
            try workers.admit(rank: r, identity: identity, now: now)
        }
        let message = try WorkerMessage(kind: kind, payload: f.payload)
        switch message {
        case .stats:
            workers.update(r) { $0.setPhase(.training, at: now) }
            progressAt = now
        case .report(let rep):
            workers.update(r) { $0.lastIteration = f.iteration; $0.times = rep.times; $0.rejected = rep.rejected; $0.residentMB = rep.residentMB }
        case .failure(let text):
            throw JobFailure("\(workers[r]!.name) failed at iteration \(f.iteration): \(text)")
        case .bye:
            workers.update(r) { $0.finished = true; $0.setPhase(.finished, at: now) }
        case .spans(let spans):
            let w = workers[r]!
            journal?.trace(spans, track: .replica(w.network, rank: r, name: w.name))
            return
        case .saved, .evaluated:
            break
        }
        try apply(ledger.receive(message, iteration: f.iteration, from: r, at: now))
    }

    /// Decisions go to every replica; the rest to the journal (a failure there ends the job).
    func apply(_ events: [LedgerEvent]) throws {
        if !events.isEmpty { progressAt = Date(); publishSnapshot() }
        for e in events {
            if case .decision(let t, let d) = e { broadcast(.decision, iteration: t, payload: d.encode()); continue }
            do { try journal?.write(e) } catch { throw JobFailure("coordinator: \(error)") }
        }
    }

    // MARK: Liveness

    func checkLiveness() throws {
        let now = Date()
        let limit = 3 * config.distributed.heartbeatSeconds
        // Gone for half a second (a replica that just said bye and closed is finished by then).
        if let gone = workers.all.first(where: { !$0.finished && $0.unreachableSince.map { now.timeIntervalSince($0) > 0.5 } ?? false }) {
            throw JobFailure("\(gone.name) closed its connection at iteration \(iterationOf(gone)) (its process ended)")
        }
        if let first = workers.silent(now: now, limit: limit) {
            // Hosts whose every rank went silent together are lost as a whole, not one process.
            let silent = workers.all.filter { !$0.finished && now.timeIntervalSince($0.lastHeard) > limit / 2 }
            let lostHosts = Dictionary(grouping: silent, by: \.host).filter { host, ranks in
                ranks.count > 1 && ranks.count == workers.all.filter { $0.host == host && !$0.finished }.count
            }
            let seconds = String(format: "%.1f s", now.timeIntervalSince(first.lastHeard))
            if !lostHosts.isEmpty {
                let hosts = lostHosts.keys.sorted().map { host in
                    "\(host) (ranks " + lostHosts[host]!.map { "\($0.rank) \($0.network.rawValue)\($0.groupRank)" }.joined(separator: ", ") + ")"
                }
                throw JobFailure("lost contact with host\(hosts.count > 1 ? "s" : "") \(hosts.joined(separator: ", ")): silent since iteration "
                                 + "\(lostHosts.values.joined().map(iterationOf).min()!) (no heartbeat for \(seconds); the host is unreachable, or its processes stopped)")
            }
            throw JobFailure("\(first.name) sent no heartbeat for \(seconds) at iteration \(iterationOf(first)) "
                             + "(process died, was stopped, or the network dropped)")
        }
        // A stall: alive, but not delivering its statistics while the others wait. A rank that
        // evaluates or checkpoints is given longer (its phase tells; a rank just back from one is
        // given timeout_seconds from then), but not forever.
        let timeout = config.distributed.timeoutSeconds
        if let waiting = ledger.awaitingStats() {
            for w in waiting.missing.compactMap({ workers[$0] }) {
                let busy = w.phase == .evaluating || w.phase == .checkpointing
                let since = max(waiting.since, w.phaseSince)
                if now.timeIntervalSince(since) > (busy ? Coordinator.busyFactor * timeout : timeout) {
                    throw JobFailure("\(w.name) stalled at iteration \(waiting.iteration): no statistics for "
                                     + "\(Int(now.timeIntervalSince(since))) s while the other ranks waited"
                                     + (busy ? " (\(w.phase.name) since then)" : "") + " (distributed.timeout_seconds)")
                }
            }
        }
        // Stuck as a whole: every rank alive, none delivering (e.g. all blocked in an all-reduce).
        if now.timeIntervalSince(progressAt) > Coordinator.busyFactor * timeout, workers.all.allSatisfy({ $0.joined && !$0.finished }) {
            let reports = ledger.awaitingReports().map { " (no report for iteration \($0.iteration) from ranks \($0.missing.map(String.init).joined(separator: ", ")))" } ?? ""
            throw JobFailure("no progress for \(Int(now.timeIntervalSince(progressAt))) s at iteration \(ledger.next): every rank is alive but none "
                             + "delivered statistics or a report\(reports) (distributed.timeout_seconds × \(Int(Coordinator.busyFactor)))")
        }
    }

    /// How much longer than timeout_seconds an evaluating or checkpointing rank may take, and
    /// the whole job may go without progress.
    static let busyFactor = 10.0
    /// Status requests and control requests are small.
    static let statusPayloadLimit = 1 << 16

    /// The iteration a replica was working on.
    func iterationOf(_ w: WorkerTable.Worker) -> Int { max(w.lastIteration + 1, ledger.next - 1, 0) }

    // MARK: Sending

    func send(to identity: [UInt8], kind: MessageKind, iteration: Int, payload: [UInt8]) throws {
        try workerSocket.send([identity, Frame(type: kind.rawValue, jobId: jobId, iteration: iteration, sender: senderRank, payload: payload).encoded()])
    }

    /// To every replica's main socket (and heartbeats to its heartbeat socket too, which watches
    /// the coordinator). A replica whose connection is gone (ROUTER_MANDATORY: the send fails) is
    /// marked for the liveness check.
    func broadcast(_ kind: MessageKind, iteration: Int, payload: [UInt8]) {
        for w in workers.all where w.joined && !w.finished {
            do { try send(to: w.identity, kind: kind, iteration: iteration, payload: payload) } catch let e as TransportError where e.code == EHOSTUNREACH {
                workers.update(w.rank) { $0.unreachableSince = $0.unreachableSince ?? Date() }
            } catch {}
            if kind == .heartbeat, let h = w.heartbeatIdentity { try? send(to: h, kind: kind, iteration: iteration, payload: payload) }
        }
    }

    /// mpirun's SIGTERM: which replicas' connections are gone (asked through the snapshot).
    func answerProbe() {
        guard snapshot.takeProbeRequest() else { return }
        broadcast(.heartbeat, iteration: ledger.next, payload: [])
        snapshot.reportProbe(workers.all.filter { $0.unreachableSince != nil && !$0.finished }.map { ($0.name, iterationOf($0)) })
    }

    /// Tells every replica's heartbeat thread that the job is over (external coordinator).
    public func abortWorkers(_ message: String) {
        let payload = TextPayload.encode(message)
        for w in workers.all {
            for id in [w.heartbeatIdentity, w.identity].compactMap({ $0 }) where !id.isEmpty {
                try? send(to: id, kind: .abort, iteration: ledger.next, payload: payload)
            }
        }
    }

    func countRejected(_ r: FrameRejection, socket: String) {
        let first = socket == "status" ? rejectedStatus.count(r) : rejected.count(r)
        if first { settings.log("coordinator: rejected a message on the \(socket) socket (\(r.rawValue)); further ones are counted in status") }
    }

    /// Peers that failed the CURVE handshake on the worker socket (they never delivered a message).
    func countRefusedHandshakes() {
        if rejected.count(.unauthenticated, times: workerSocket.takeHandshakeFailures()) {
            settings.log("coordinator: refused a connection without the job's keys; further ones are counted in status")
        }
    }

    /// Records the failure for status (the first one wins).
    public func markFailed(_ message: String) {
        if firstError == nil { firstError = message }
    }

    /// After every ledger move: the iteration in progress and (once) who runs where.
    func publishSnapshot() {
        snapshot.update(iteration: max(ledger.next - 1, ledger.start), workers: workers.all.map { ($0.rank, "\($0.network.rawValue)\($0.groupRank)", $0.host, $0.pid) })
    }
}

/// What a signal handler may read and ask: the iteration in progress, the replicas' identities,
/// and (asked through `probe`) which replicas' connections are gone.
public final class CoordinatorSnapshot: @unchecked Sendable {
    public typealias Gone = (name: String, iteration: Int)
    private let lock = NSLock()
    private var iteration = 0
    private var workers: [(rank: Int, name: String, host: String, pid: Int)] = []
    private var probeRequested = false
    private var probed: [Gone]?

    func update(iteration: Int, workers: [(rank: Int, name: String, host: String, pid: Int)]) {
        lock.lock(); defer { lock.unlock() }
        self.iteration = iteration
        if self.workers.count != workers.count || self.workers.contains(where: { $0.pid == 0 }) { self.workers = workers }
    }

    func takeProbeRequest() -> Bool { lock.lock(); defer { lock.unlock() }; let r = probeRequested; probeRequested = false; return r }
    func reportProbe(_ gone: [Gone]) { lock.lock(); probed = gone; lock.unlock() }

    /// Asks the coordinator's loop which replicas' connections are gone; nil if it does not answer in time.
    public func probe(waiting seconds: Double) -> [Gone]? {
        lock.lock(); probeRequested = true; probed = nil; lock.unlock()
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            lock.lock(); let p = probed; lock.unlock()
            if let p { return p }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    /// When mpirun ends the job because a rank exited (it sends SIGTERM to the others): one line
    /// naming the rank, host and iteration. Ranks of this host whose process is gone (by pid) are
    /// named at once; otherwise the loop is asked which replicas' connections closed (≤ 0.5 s).
    /// Fast, because mpirun's grace period before SIGKILL ends as soon as any rank exits.
    public func terminationLine() -> String {
        lock.lock(); let it = iteration, ws = workers; lock.unlock()
        let host = HostInfo.name
        let local = ws.filter { $0.host == host && $0.pid > 0 && kill(pid_t($0.pid), 0) != 0 && errno == ESRCH }
            .map { "rank \($0.rank) (\($0.name), host \($0.host), pid \($0.pid))" }
        if !local.isEmpty { return "colad: job failed: \(local.joined(separator: ", ")) exited during iteration \(it); mpirun ended the job" }
        let gone = probe(waiting: 0.5) ?? []
        if !gone.isEmpty {
            return "colad: job failed: \(gone.map(\.name).joined(separator: ", ")) exited during iteration \(gone.map(\.iteration).min()!); mpirun ended the job"
        }
        return "colad: job failed: a rank whose host did not say (see mpirun's message) exited during iteration \(it); mpirun ended the job"
    }
}
