// A replica's heartbeat: its own thread and DEALER socket (a socket belongs to one thread), so a
// replica deep in a long computation (evaluation, a slow step) still proves it is alive. It also
// listens for the coordinator's Abort (the job is over): it records the reason, which the
// replica's next wait reports, and calls `onAbort` — the CLI's policy, which ends the process
// (the main thread may be blocked in an all-reduce that will never complete).
import Foundation
import Training
import Transport

final class HeartbeatThread: @unchecked Sendable {
    private let lock = NSLock()
    private var phase = WorkerPhase.starting
    private var iteration = 0
    private var stopped = false
    private var abortReason: String?
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    func set(_ p: WorkerPhase, _ t: Int) { lock.lock(); phase = p; iteration = t; lock.unlock() }

    /// The coordinator's reason when it ended the job, once it did.
    var aborted: String? { lock.lock(); defer { lock.unlock() }; return abortReason }

    func start(transport: MessageTransport, endpoint: String, rank: Int, jobId: UInt64, interval: Double, options: SocketOptions,
               onAbort: @escaping @Sendable (String) -> Void) throws {
        var opts = options
        opts.identity = Array("h\(rank)".utf8)
        let socket = try transport.socket(.dealer, options: opts)
        try socket.connect(endpoint)
        let t = Thread { [self] in
            defer { socket.close(); done.signal() }
            var last = Date.distantPast
            while true {
                lock.lock(); let (p, it, stop) = (phase, iteration, stopped); lock.unlock()
                if stop { return }
                if Date().timeIntervalSince(last) >= interval {
                    last = Date()
                    try? socket.send([Frame(type: MessageKind.heartbeat.rawValue, jobId: jobId, iteration: it, sender: rank,
                                            payload: Heartbeat(phase: p, iteration: it).encode()).encoded()])
                }
                if let frames = try? socket.receive(timeout: min(0.1, interval)), let bytes = frames.last,
                   let f = try? Frame.decode(bytes, jobId: jobId, maxPayload: 1 << 16), f.type == MessageKind.abort.rawValue {
                    let reason = (try? TextPayload.decode(f.payload)) ?? "abort"
                    lock.lock(); abortReason = reason; lock.unlock()
                    onAbort(reason)
                    return
                }
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
