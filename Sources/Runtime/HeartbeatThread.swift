// A replica's watch over its coordinator, on its own thread and DEALER socket (a socket belongs
// to one thread), so it keeps working while the main thread is deep in a computation or blocked
// in an all-reduce whose peer is gone. It sends this replica's heartbeat every interval and
// decides that the job is over for this replica when
// - the coordinator sends Abort (it ended the job), or
// - the coordinator's connection closes (its process ended), or
// - the coordinator is silent for `deadline` seconds (its host is unreachable, or it stopped).
// Then it records why (the main thread's next wait throws it) and calls `onEnd`: the CLI's
// policy, which ends the process. Nothing here depends on mpirun reaching this host.
import Foundation
import Training
import Transport

final class HeartbeatThread: @unchecked Sendable {
    private let lock = NSLock()
    private var phase = WorkerPhase.starting
    private var iteration = 0
    private var stopped = false
    private var ended: String?
    private var passes = 0
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    func set(_ p: WorkerPhase, _ t: Int) { lock.lock(); phase = p; iteration = t; lock.unlock() }

    /// Why the job is over for this replica, once the watch decided it.
    var endedReason: String? { lock.lock(); defer { lock.unlock() }; return ended }

    /// When the coordinator was last heard (its heartbeats or any frame to this socket).
    var coordinatorHeard: Date { lock.lock(); defer { lock.unlock() }; return heard }
    private var heard = Date()

    /// The verdict after the thread has looked at its socket once more (bounded by `seconds`):
    /// used when mpirun's SIGTERM arrives, to tell whether the coordinator is gone.
    func freshVerdict(waiting seconds: Double) -> String? {
        lock.lock(); let start = passes; lock.unlock()
        poll(seconds) { lock.lock(); defer { lock.unlock() }; return ended != nil || passes >= start + 2 }
        return endedReason
    }

    /// Waits (≤ `seconds`) until the watch has decided that the job is over, e.g. the coordinator's
    /// connection closed because it ended.
    func awaitEnd(within seconds: Double) { poll(seconds) { endedReason != nil } }

    /// Checks `done` every 5 ms until it holds or `seconds` have passed.
    private func poll(_ seconds: Double, until done: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !done() { Thread.sleep(forTimeInterval: 0.005) }
    }

    struct Watch {
        var coordinatorRank: Int
        var coordinatorHost: String
        /// Seconds of coordinator silence after which it is lost.
        var deadline: Double
    }

    func start(transport: MessageTransport, endpoint: String, rank: Int, jobId: UInt64, interval: Double, options: SocketOptions,
               watch: Watch, onEnd: @escaping @Sendable (String) -> Void) throws {
        var opts = options
        opts.identity = Array("h\(rank)".utf8)
        opts.watchDisconnects = true
        let socket = try transport.socket(.dealer, options: opts)
        try socket.connect(endpoint)
        let t = Thread { [self] in
            defer { socket.close(); done.signal() }
            var lastSent = Date.distantPast, lastHeard = Date()
            let coordinator = "the coordinator (host \(watch.coordinatorHost))"
            while true {
                lock.lock(); let (p, it, stop) = (phase, iteration, stopped); lock.unlock()
                if stop { return }
                let now = Date()
                if now.timeIntervalSince(lastSent) >= interval {
                    lastSent = now
                    try? socket.send([Frame(type: MessageKind.heartbeat.rawValue, jobId: jobId, iteration: it, sender: rank,
                                            payload: Heartbeat(phase: p, iteration: it).encode()).encoded()])
                }
                var reason: String?
                while let frames = try? socket.receive(timeout: 0), let bytes = frames.last {
                    guard let f = try? Frame.decode(bytes, jobId: jobId, maxPayload: 1 << 16), f.sender == watch.coordinatorRank else { continue }
                    lastHeard = Date()
                    lock.lock(); heard = lastHeard; lock.unlock()
                    if f.type == MessageKind.abort.rawValue {
                        reason = "\(coordinator) ended the job: \((try? TextPayload.decode(f.payload)) ?? "abort")"
                    }
                }
                // After its bye the replica is done: the coordinator closing is the job's normal end.
                if p == .finished { reason = nil; _ = socket.takeDisconnects(); lastHeard = Date() }
                if reason == nil, p != .finished, socket.takeDisconnects() > 0 {
                    reason = "lost contact with \(coordinator) at iteration \(it): its connection closed (its process ended, or the network dropped)"
                }
                let silent = Date().timeIntervalSince(lastHeard)
                if reason == nil, p != .finished, silent > watch.deadline {
                    reason = "lost contact with \(coordinator) at iteration \(it): no heartbeat for " + String(format: "%.1f s", silent)
                        + " (its host is unreachable, or it stopped)"
                }
                lock.lock(); passes += 1; if let reason, ended == nil { ended = reason }; lock.unlock()
                if let reason {
                    onEnd(reason)
                    return
                }
                _ = try? transport.poll([socket], timeout: min(0.05, interval))
            }
        }
        t.name = "colad-heartbeat"
        t.start()
        thread = t
    }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        if thread != nil { _ = done.wait(timeout: .now() + 2); thread = nil }
    }
}

/// What the CLI may ask of a running replica from a signal handler.
public final class ReplicaWatch: @unchecked Sendable {
    let heartbeat: HeartbeatThread
    /// "rank 3 (b0, host colad-h2)".
    public let name: String
    init(heartbeat: HeartbeatThread, name: String) { self.heartbeat = heartbeat; self.name = name }

    /// Why the job is over for this replica, if its watch knows (waits ≤ `seconds` for one more look).
    public func reasonToEnd(waiting seconds: Double) -> String? { heartbeat.freshVerdict(waiting: seconds) }

    /// Waits (≤ `seconds`) until this replica's watch sees the job end, e.g. the coordinator's
    /// process has ended after naming the cause.
    public func awaitJobEnd(within seconds: Double) { heartbeat.awaitEnd(within: seconds) }
}
