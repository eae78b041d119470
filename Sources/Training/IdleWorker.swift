// A thread of its own in the scheduler's idle class (Linux SCHED_IDLE): it runs only on a core
// no other runnable thread wants, so work handed to it (DataFeed's prefetch) fills the gaps of
// the step — serial sections between parallel GEMMs, waits at the coordinator or in an
// all-reduce — and never takes a core from the compute threads or the other ranks of the host.
// Where SCHED_IDLE is refused the thread runs at the lowest nice value instead.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class IdleWorker: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Runs `job` on the worker thread, after the jobs already given.
    func async(_ job: @escaping () -> Void) {
        condition.lock(); jobs.append(job); condition.signal(); condition.unlock()
    }

    /// Ends the thread once its queued jobs are done (the owner's deinit).
    func stop() {
        condition.lock(); stopping = true; condition.signal(); condition.unlock()
    }

    private func run() {
        Self.lowerThisThread()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Puts the calling thread in the idle class, else at nice 19 (Linux: pid 0 is the calling
    /// thread); elsewhere it stays as it is.
    private static func lowerThisThread() {
        #if os(Linux)
        var param = sched_param(sched_priority: 0)
        let schedIdle: Int32 = 5   // SCHED_IDLE (linux/sched.h; Glibc defines it only under _GNU_SOURCE)
        if sched_setscheduler(0, schedIdle, &param) != 0 {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        }
        #endif
    }
}
