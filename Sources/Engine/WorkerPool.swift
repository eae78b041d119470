// The worker threads behind `Parallel.forEach`: a fixed pool whose workers spin briefly on an
// atomic before they sleep, so the hundreds of short parallel sections of a training step
// (im2col, GEMM blocks, GroupNorm, pointwise ops) start without a futex wake-up each.
//
// Why not DispatchQueue.concurrentPerform: between two sections GCD's workers go to sleep,
// and waking them costs 7–20 µs per section on this VM (measured; `colad bench ops`), a few
// milliseconds per step of `tiny`. Workers here spin for `spinNanos` after their last job,
// then sleep on a condition variable; under oversubscription they cost at most that spin.
//
// Determinism: body(i) does the same work whichever thread runs it, so results never depend
// on the schedule. A call made while the pool is busy (from inside a body, or from a second
// thread) runs inline on the calling thread.
import Foundation
import Synchronization

final class WorkerPool: @unchecked Sendable {
    /// How long an idle worker spins before it sleeps.
    static let spinNanos: UInt64 = 100_000

    static let shared = WorkerPool()

    private let epoch = Atomic<Int>(0)        // bumped once per job
    private let nextIndex = Atomic<Int>(0)    // next unclaimed index of the current job
    private let finished = Atomic<Int>(0)     // indices completed
    private let active = Atomic<Int>(0)       // workers inside the current job's claim loop
    private let busy = Atomic<Bool>(false)    // a job is running (nested calls run inline)

    // Guarded by `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var job: ((Int) -> Void)?
    private var count = 0
    private var helpers = 0                   // workers allowed to join the current job
    private var sleepers = 0
    private var started = 0                   // worker threads created

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
    }

    /// Runs body(i) for i in 0..<n on the calling thread and up to `threads − 1` workers.
    /// Returns when every body(i) has returned.
    func run(_ n: Int, threads: Int, _ body: (Int) -> Void) {
        guard threads > 1, n > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            for i in 0..<n { body(i) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            pthread_mutex_lock(mutex)
            while started < threads - 1 { startWorker(index: started); started += 1 }
            job = body; count = n; helpers = min(threads, n) - 1
            nextIndex.store(0, ordering: .sequentiallyConsistent)
            finished.store(0, ordering: .sequentiallyConsistent)
            epoch.add(1, ordering: .sequentiallyConsistent)
            if sleepers > 0 { pthread_cond_broadcast(wake) }
            pthread_mutex_unlock(mutex)

            claim(body, n)
            var spins = 0
            while finished.load(ordering: .acquiring) < n {
                spins += 1
                if spins > 4096 { sched_yield() }   // a helper was descheduled mid-index
            }
            // No worker may pick the job up from now on; wait for those that did to leave.
            pthread_mutex_lock(mutex)
            job = nil
            pthread_mutex_unlock(mutex)
            while active.load(ordering: .acquiring) > 0 { sched_yield() }
        }
    }

    private func claim(_ body: (Int) -> Void, _ n: Int) {
        while true {
            let i = nextIndex.add(1, ordering: .sequentiallyConsistent).oldValue
            if i >= n { return }
            body(i)
            finished.add(1, ordering: .releasing)
        }
    }

    private func startWorker(index: Int) {
        let t = Thread { [unowned self] in self.workerLoop(index: index) }
        t.name = "colad-worker-\(index + 1)"
        t.stackSize = 8 << 20
        t.start()
    }

    private func workerLoop(index: Int) {
        var seen = epoch.load(ordering: .acquiring)
        while true {
            // Spin for new work, then sleep until the next job is published.
            if epoch.load(ordering: .acquiring) == seen {
                let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanos
                var polls = 0
                while epoch.load(ordering: .acquiring) == seen {
                    polls += 1
                    if polls & 255 == 0 && DispatchTime.now().uptimeNanoseconds > deadline { break }
                }
            }
            pthread_mutex_lock(mutex)
            sleepers += 1
            while epoch.load(ordering: .acquiring) == seen { pthread_cond_wait(wake, mutex) }
            sleepers -= 1
            seen = epoch.load(ordering: .acquiring)
            if join(index: index) { active.subtract(1, ordering: .releasing) }
        }
    }

    /// Called with `mutex` held; releases it. Takes part in the current job if this worker is
    /// one of its helpers. Returns whether it did (then `active` was incremented); the body is
    /// released before this returns, which `run`'s escape check relies on.
    private func join(index: Int) -> Bool {
        guard index < helpers, let body = job else { pthread_mutex_unlock(mutex); return false }
        let n = count
        active.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        claim(body, n)
        return true
    }
}
