// Threads per network on one host, so two networks of unequal cost finish their iteration at
// about the same time (docs/ARCHITECTURE.md, "Cost-balanced co-training"). Both networks meet at
// the coordinator's decision every iteration, so with equal threads the cheaper one waits for the
// dearer one; the host's cores are split in proportion to the cost instead.
//
// No oversubscription: the threads of a host's ranks add up to at most its cores (each rank at
// least 1). Measured on the 2-core VM, giving the dearer network a thread more than the cores
// (tiny 1 + small 2 threads) cut tiny's wait from 55 % to 18-25 % of the step but not the step
// (114.6 → 109.6-122.9 ms; 3 and 4 threads: 124-134 ms): a parallel section waits for its
// slowest thread, and a thread that shares its core with the other network's is that one.
//
// Cost model (an iteration on one host):
//   work_r    = cost(network of r) × images per rank    (GEMM FLOPs of forward + backward)
//   sharing   the host's C cores are shared equally by the threads of the ranks still working:
//             with T such threads each runs at min(1, C/T) of a core; a rank with t threads
//             progresses at t·min(1, C/T) (linear speed-up, no memory-bandwidth limit)
//   step      the time the last rank of the host finishes; a rank's wait = step − its finish
// The plan tries every (threads of A, threads of B) that fits the cores and keeps the shortest
// step (ties: fewer threads, then the smaller largest wait). The naive reference `simulate` is the whole model; it is exact for
// processor sharing and is checked by hand cases in ThreadBalanceTests.
import Config
import Foundation

public struct ThreadPlan: Equatable, Sendable {
    /// Threads of each network's ranks on the host.
    public var threads: [NetworkID: Int]
    /// Predicted step, in seconds of one core per unit of cost.
    public var step: Double
    /// Predicted fraction of the step each network's ranks wait for the other.
    public var wait: [NetworkID: Double]
}

public enum ThreadBalance {
    /// Finish times of ranks with `work` (core-seconds) and `threads` sharing `cores` cores.
    public static func simulate(work: [Double], threads: [Int], cores: Int) -> [Double] {
        precondition(work.count == threads.count && cores >= 1 && threads.allSatisfy { $0 >= 1 })
        var remaining = work, finish = [Double](repeating: 0, count: work.count)
        var active = Set(work.indices.filter { work[$0] > 0 })
        var now = 0.0
        while !active.isEmpty {
            let total = active.reduce(0) { $0 + threads[$1] }
            let perThread = min(1, Double(cores) / Double(total))
            let next = active.min { remaining[$0] / Double(threads[$0]) < remaining[$1] / Double(threads[$1]) }!
            let dt = remaining[next] / (Double(threads[next]) * perThread)
            now += dt
            for r in active { remaining[r] -= dt * Double(threads[r]) * perThread }
            for r in active where remaining[r] <= 1e-12 * max(1, work[r]) { finish[r] = now }
            active = active.filter { remaining[$0] > 1e-12 * max(1, work[$0]) }
        }
        return finish
    }

    /// The plan for one host with `cores` cores and `ranks` ranks of each network on it, each
    /// with `work` core-seconds per iteration (per network).
    public static func plan(cores: Int, ranks: [NetworkID: Int], work: [NetworkID: Double]) -> ThreadPlan {
        let nets = NetworkID.allCases.filter { (ranks[$0] ?? 0) > 0 }
        precondition(!nets.isEmpty && cores >= 1)
        var best: ThreadPlan?
        let choices = 1...cores
        func used(_ t: [NetworkID: Int]) -> Int { t.reduce(0) { $0 + $1.value * ranks[$1.key]! } }
        for ta in nets.contains(.a) ? Array(choices) : [0] {
            for tb in nets.contains(.b) ? Array(choices) : [0] {
                var t: [NetworkID: Int] = [:]
                if ta > 0 { t[.a] = ta }
                if tb > 0 { t[.b] = tb }
                // More ranks than cores: one thread each is the only choice.
                guard used(t) <= cores || t.values.allSatisfy({ $0 == 1 }) else { continue }
                let p = predict(cores: cores, ranks: ranks, work: work, threads: t)
                if let b = best {
                    let same = abs(p.step - b.step) <= b.step * 1e-9
                    let better = p.step < b.step * (1 - 1e-9)
                        || (same && used(p.threads) < used(b.threads))
                        || (same && used(p.threads) == used(b.threads) && (p.wait.values.max() ?? 0) < (b.wait.values.max() ?? 0) - 1e-12)
                    guard better else { continue }
                }
                best = p
            }
        }
        return best!
    }

    /// The predicted step and waits of given thread counts (to report an explicit setting).
    public static func predict(cores: Int, ranks: [NetworkID: Int], work: [NetworkID: Double], threads: [NetworkID: Int]) -> ThreadPlan {
        var w: [Double] = [], th: [Int] = [], owner: [NetworkID] = []
        for n in NetworkID.allCases where (ranks[n] ?? 0) > 0 {
            for _ in 0..<ranks[n]! { w.append(work[n] ?? 0); th.append(threads[n] ?? 1); owner.append(n) }
        }
        let finish = simulate(work: w, threads: th, cores: cores)
        let step = finish.max() ?? 0
        var wait: [NetworkID: Double] = [:]
        for n in Set(owner) { wait[n] = step > 0 ? (step - zip(owner, finish).filter { $0.0 == n }.map(\.1).max()!) / step : 0 }
        return ThreadPlan(threads: threads.filter { (ranks[$0.key] ?? 0) > 0 }, step: step, wait: wait)
    }
}
