// Start-up of the thread plan (distributed.balance, threads_a/b): world rank 0 times each
// network's step at one thread (Training/StepCost.swift, ~0.5 s for tiny + small), every rank
// learns each rank's host and core count over MPI, computes the same plan
// (Training/ThreadBalance.swift) and sets its own thread count. World rank 0 logs the plan,
// one line per host.
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
        // Nothing to choose where every host has at least as many workers as cores (one thread
        // each): no measurement, and without explicit settings, no plan.
        let choice = Set(hosts).contains { h in topology.workerRanks.filter { hosts[$0] == h }.count < (cores[hosts.firstIndex(of: h)!]) }
        guard choice || !explicit.isEmpty else {
            if case .worker = topology.role(of: world.rank) { Parallel.threads = 1 }
            return ["balance: every host has as many worker ranks as cores or more: 1 thread each"]
        }
        // Rank 0 times each network's step at one thread while the others wait; all use its
        // figures (a nominal class count: the head's class convolution is a small part).
        // The others wait in a sleeping barrier, so the measurement has the cores to itself.
        var measured: [UInt8] = []
        if world.rank == 0 {
            let m = StepCost.measure(config, plan: plan, numClasses: 8)
            measured = Array(plan.networks.map { String(m[$0]!) }.joined(separator: ",").utf8)
        }
        try world.barrier(pollingEvery: 0.005)
        let times = String(decoding: try world.allGather(measured)[0], as: UTF8.self).split(separator: ",").compactMap { Double($0) }
        guard times.count == plan.networks.count else { throw TrainingError("balance: rank 0's step-cost measurement did not arrive") }
        // Per rank: with unequal groups a rank of network n runs G/k_n images, not batch_size
        // (the cost is linear in the images: GEMM FLOPs). Equal groups: × 1.
        let b = config.train.batchSize
        let work = Dictionary(uniqueKeysWithValues: zip(plan.networks, times).map { n, t in
            (n, t * Double(topology.batchPerRank(of: n, batchSize: b)) / Double(b))
        })
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
                "\(n.rawValue) \(config.network(n)?.label ?? "custom") \(count[n]!) rank\(count[n]! > 1 ? "s" : "") × \(threads[n]!) thread\(threads[n]! > 1 ? "s" : "")"
                    + (explicit[n] != nil ? " (distributed.threads_\(n.rawValue))" : "")
            }
            let waits = count.keys.sorted { $0.rawValue < $1.rawValue }.map { String(format: "%@ %.0f %%", $0.rawValue, 100 * (predicted.wait[$0] ?? 0)) }
            let equalWaits = count.keys.sorted { $0.rawValue < $1.rawValue }.map { String(format: "%@ %.0f %%", $0.rawValue, 100 * (equal.wait[$0] ?? 0)) }
            lines.append("balance: \(host) (\(c) cores): " + nets.joined(separator: ", ")
                         + "; predicted wait " + waits.joined(separator: ", ")
                         + String(format: ", step ×%.2f of an equal split (its wait ", predicted.step / max(equal.step, 1e-30))
                         + equalWaits.joined(separator: ", ") + ")")
        }
        lines.append("balance: step cost at 1 thread, measured on \(hosts[0]): " + plan.networks.map {
            String(format: "%@ %.1f ms", $0.rawValue, work[$0]! * 1e3) }.joined(separator: ", ")
            + (work.count == 2 ? String(format: " (b/a %.2f)", work[.b]! / work[.a]!) : "") + "; docs/ARCHITECTURE.md, cost-balanced co-training")
        if let mine { Parallel.threads = mine }
        return lines
    }
}
