import XCTest
import Dispatch
import Foundation
import Engine
import Synchronization

/// The worker pool behind Parallel.forEach / forChunks: every index runs exactly once, nested and
/// concurrent calls complete (inline), and sleeping workers are woken. Every loop is bounded and
/// each case runs under a watchdog, so a lost wake-up fails the test instead of hanging it.
final class ParallelTests: XCTestCase {
    private var savedThreads = 1
    override func setUp() { savedThreads = Parallel.threads }
    override func tearDown() { Parallel.threads = savedThreads }

    /// Runs `body` on a background thread and fails if it does not finish within `seconds`.
    private func withinDeadline(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread { body(); done.signal() }.start()
        if done.wait(timeout: .now() + seconds) == .timedOut { XCTFail("\(what): not finished after \(seconds) s (lost wake-up?)") }
    }

    func testEveryIndexRunsExactlyOnce() {
        for threads in [1, 2, 3, 4] {
            Parallel.threads = threads
            for n in [0, 1, 2, 3, 7, 64, 1000] {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(n, 1))
                hits.initialize(repeating: 0, count: max(n, 1))
                defer { hits.deallocate() }
                Parallel.forEach(n) { i in hits[i] += 1 }   // distinct i → distinct slots, no race
                XCTAssertEqual((0..<n).filter { hits[$0] != 1 }, [], "threads \(threads) n \(n)")
            }
        }
    }

    func testChunksCoverTheRangeOnce() {
        Parallel.threads = 2
        for count in [0, 5, 1 << 15, (1 << 17) + 3] {
            let hits = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
            hits.initialize(repeating: 0, count: max(count, 1))
            defer { hits.deallocate() }
            Parallel.forChunks(count) { r in for i in r { hits[i] &+= 1 } }
            XCTAssertEqual((0..<count).filter { hits[$0] != 1 }.count, 0, "count \(count)")
        }
    }

    /// A call from inside a body runs inline and still covers its range; results equal the serial loop.
    func testNestedCallsRunInline() {
        Parallel.threads = 2
        let n = 8, inner = 50
        let out = UnsafeMutablePointer<Int>.allocate(capacity: n * inner)
        out.initialize(repeating: 0, count: n * inner)
        defer { out.deallocate() }
        Parallel.forEach(n) { i in Parallel.forEach(inner) { j in out[i * inner + j] = i * 1000 + j } }
        XCTAssertEqual((0..<n * inner).filter { out[$0] != ($0 / inner) * 1000 + $0 % inner }, [])
    }

    /// Two threads issuing many short jobs at once: all complete (one of them inline when the pool
    /// is busy), with the right sums.
    func testConcurrentCallersBothComplete() {
        Parallel.threads = 2
        final class Sums: @unchecked Sendable { var a = [Int](repeating: 0, count: 2) }
        let sums = Sums()
        withinDeadline(60, "two callers") {
            let group = DispatchGroup()
            for caller in 0..<2 {
                group.enter()
                Thread {
                    let slots = UnsafeMutablePointer<Int>.allocate(capacity: 16)
                    defer { slots.deallocate() }
                    var total = 0
                    for _ in 0..<2000 {
                        slots.initialize(repeating: 0, count: 16)
                        Parallel.forEach(16) { i in slots[i] = i }
                        total += (0..<16).reduce(0) { $0 + slots[$1] }
                    }
                    sums.a[caller] = total
                    group.leave()
                }.start()
            }
            group.wait()
        }
        XCTAssertEqual(sums.a, [2000 * 120, 2000 * 120])
    }

    /// Jobs separated by pauses longer than the workers' spin (so a sleeping worker must be woken)
    /// and back-to-back jobs (spinning workers): in every one the two indices run at the same time
    /// on two threads. Each body waits, bounded, for the other to start; run serially it would time out.
    func testWakesSleepingWorkers() {
        Parallel.threads = 2
        final class Flags: @unchecked Sendable {
            let first = Atomic<Int>(0), second = Atomic<Int>(0)
            func mark(_ i: Int, _ v: Int) {
                if i == 0 { first.store(v, ordering: .sequentiallyConsistent) } else { second.store(v, ordering: .sequentiallyConsistent) }
            }
            func mark(_ i: Int) -> Int {
                i == 0 ? first.load(ordering: .sequentiallyConsistent) : second.load(ordering: .sequentiallyConsistent)
            }
            var serialRounds = 0
        }
        let flags = Flags()
        withinDeadline(120, "sleep/wake") {
            for round in 0..<40 {
                if round % 2 == 0 { usleep(2_000) }   // longer than the spin: workers are asleep
                flags.first.store(round + 1, ordering: .sequentiallyConsistent)
                flags.second.store(round + 1, ordering: .sequentiallyConsistent)
                var timedOut = [false, false]
                timedOut.withUnsafeMutableBufferPointer { t in
                    let out = t.baseAddress!
                    Parallel.forEach(2) { i in
                        flags.mark(i, -(round + 1))
                        let deadline = DispatchTime.now().uptimeNanoseconds + 1_000_000_000
                        while flags.mark(1 - i) as Int != -(round + 1) {
                            if DispatchTime.now().uptimeNanoseconds > deadline { out[i] = true; break }
                        }
                    }
                }
                if timedOut.contains(true) { flags.serialRounds += 1 }
            }
        }
        XCTAssertEqual(flags.serialRounds, 0, "jobs whose two indices did not run concurrently")
    }

    /// A thread-count change between calls (tests and the benchmark do this) is honoured.
    func testThreadCountChanges() {
        for threads in [4, 1, 2, 3, 1] {
            Parallel.threads = threads
            var sum = [Double](repeating: 0, count: 32)
            sum.withUnsafeMutableBufferPointer { p in
                let b = p.baseAddress!
                Parallel.forEach(32) { i in b[i] = Double(i) * 0.5 }
            }
            XCTAssertEqual(sum.reduce(0, +), 0.5 * Double(31 * 32 / 2), "threads \(threads)")
        }
    }
}
