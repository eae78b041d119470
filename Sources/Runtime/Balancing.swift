// Start-up of the thread plan (distributed.balance, threads_a/b): every rank learns each rank's
// host and core count over MPI, computes the same plan (Training/ThreadBalance.swift) from the
// networks' step costs (Training/StepCost.swift), and sets its own thread count. World rank 0
// logs the plan, one line per host.
import Comm
import Config
import Engine
import Foundation
import Training

enum Balancing {
    /// Sets this rank's threads (workers only) and returns the lines that describe the plan.
    static func apply(world: Communicator, topology: JobTopology, hosts: [String], config: TrainingConfig) throws -> [String] {
        let cores = try world.allGather(Array(String(ProcessInfo.processInfo.activeProcessorCount).utf8))
            .map { Int(String(decoding: $0, as: UTF8.self)) ?? 1 }
        let d = config.distributed
        let explicit: [NetworkID: Int] = [.a: d.threadsA, .b: d.threadsB].compactMapValues { $0 }
        guard d.balance || !explicit.isEmpty else { return [] }
        let plan = ModePlan(config)
        // A nominal class count: the cost ratio, not the absolute count, decides the plan.
        let work = StepCost.work(config, plan: plan, numClasses: 8)
        var lines: [String] = []
        var mine: Int?
        for host in Array(Set(hosts)).sorted() {
            let ranks = topology.workerRanks.filter { hosts[$0] == host }
            var count: [NetworkID: Int] = [:]
            for r in ranks { if case .worker(let n, _) = topology.role(of: r) { count[n, default: 0] += 1 } }
            guard !count.isEmpty, let c = ranks.first.map({ cores[$0] }) else { continue }
            let chosen = d.balance ? ThreadBalance.plan(cores: c, ranks: count, work: work) : nil
            var threads = chosen?.threads ?? [:]
            for (n, t) in explicit where count[n] != nil { threads[n] = t }
            for n in count.keys where threads[n] == nil { threads[n] = Parallel.threads }
            let predicted = ThreadBalance.predict(cores: c, ranks: count, work: work, threads: threads)
            let equal = ThreadBalance.predict(cores: c, ranks: count, work: work,
                                              threads: count.mapValues { _ in max(1, c / ranks.count) })
            if hosts[world.rank] == host, case .worker(let n, _) = topology.role(of: world.rank) { mine = threads[n] }
            let nets = count.keys.sorted { $0.rawValue < $1.rawValue }.map { n in
                "\(n.rawValue) \(config.network(n)?.preset ?? "custom") \(count[n]!) rank\(count[n]! > 1 ? "s" : "") × \(threads[n]!) thread\(threads[n]! > 1 ? "s" : "")"
                    + (explicit[n] != nil ? " (distributed.threads_\(n.rawValue))" : "")
            }
            let waits = count.keys.sorted { $0.rawValue < $1.rawValue }.map { String(format: "%@ %.0f %%", $0.rawValue, 100 * (predicted.wait[$0] ?? 0)) }
            let equalWaits = count.keys.sorted { $0.rawValue < $1.rawValue }.map { String(format: "%@ %.0f %%", $0.rawValue, 100 * (equal.wait[$0] ?? 0)) }
            lines.append("balance: \(host) (\(c) cores): " + nets.joined(separator: ", ")
                         + "; predicted wait " + waits.joined(separator: ", ")
                         + String(format: ", step ×%.2f of an equal split (its wait ", predicted.step / max(equal.step, 1e-30))
                         + equalWaits.joined(separator: ", ") + ")")
        }
        if work.count == 2, let a = work[.a], let b = work[.b], a > 0 {
            lines.append(String(format: "balance: cost per rank-iteration b/a = %.2f (GEMM FLOPs; docs/ARCHITECTURE.md, cost-balanced co-training)", b / a))
        }
        if let mine { Parallel.threads = mine }
        return lines
    }
}
