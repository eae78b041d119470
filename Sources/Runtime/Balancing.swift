// Start-up of the cost-balanced plan (distributed.balance, threads_a/b): world rank 0 times
// each network's step at one thread (Training/StepCost.swift, ~0.5 s for tiny + small) when a
// choice needs it, every rank gets the figures over MPI and makes the same choices:
// - the rank split (Training/RankSplit.swift), when the job was given worker ranks but no counts;
// - the threads per network on each host (Training/ThreadBalance.swift), from each rank's host
//   and core count; every rank sets its own thread count.
// World rank 0 logs both, the thread plan one line per host.
import Comm
import Config
import Engine
import Foundation
import Training

enum Balancing {
    /// Each network's step at one thread on train.batch_size images, timed once by rank 0 on
    /// first use and shared with every rank (a collective call: every rank asks, or none).
    final class StepCosts {
        let world: Communicator, config: TrainingConfig, plan: ModePlan
        private var measured: [NetworkID: Double]?
        init(world: Communicator, config: TrainingConfig) { self.world = world; self.config = config; plan = ModePlan(config) }

        func get() throws -> [NetworkID: Double] {
            if let measured { return measured }
            // Rank 0 times each network while the others wait in a sleeping barrier, so the
            // measurement has the cores to itself; all use its figures (a nominal class count:
            // the head's class convolution is a small part).
            var bytes: [UInt8] = []
            if world.rank == 0 {
                let m = StepCost.measure(config, plan: plan, numClasses: 8)
                bytes = Array(plan.networks.map { String(m[$0]!) }.joined(separator: ",").utf8)
            }
            try world.barrier(pollingEvery: 0.005)
            let times = String(decoding: try world.allGather(bytes)[0], as: UTF8.self).split(separator: ",").compactMap { Double($0) }
            guard times.count == plan.networks.count else { throw TrainingError("balance: rank 0's step-cost measurement did not arrive") }
            let m = Dictionary(uniqueKeysWithValues: zip(plan.networks, times))
            measured = m
            return m
        }
    }

    /// Every world rank's core count (a collective call).
    static func cores(world: Communicator) throws -> [Int] {
        try world.allGather(Array(String(ProcessInfo.processInfo.activeProcessorCount).utf8))
            .map { Int(String(decoding: $0, as: UTF8.self)) ?? 1 }
    }

    /// The cost-balanced split of the worker ranks between two networks, when the job was given
    /// no counts (distributed.ranks_per_network / ranks_a / ranks_b unset, balance on) and its
    /// coordinator is rank 0; nil otherwise, or with 2 workers (1 + 1 is the only split). Two
    /// trained networks of one architecture split evenly without a measurement.
    ///
    /// The worker ranks' hosts' cores (`hosts`, `cores`: every world rank's) are one pool for the
    /// model: a split with more ranks than cores shares them (RankSplit).
    static func rankSplit(world: Communicator, config: TrainingConfig, costs: StepCosts,
                          hosts: [String], cores: [Int]) throws -> (RankSplit.Choice, [String])? {
        let d = config.distributed, plan = costs.plan
        let workers = world.size - 1
        guard plan.networks.count == 2, d.balance, d.ranksPerNetwork == nil, d.ranksA == nil, d.ranksB == nil,
              d.coordinator == nil, workers >= 3 else { return nil }
        let b = config.train.batchSize
        let (perImage, measured) = try WorkerPlan.costPerImage(config, plan: plan) { try costs.get() }
        var poolCores: [String: Int] = [:]
        for r in 1..<world.size { poolCores[hosts[r]] = cores[r] }
        let pool = poolCores.values.reduce(0, +)
        guard let choice = RankSplit.choose(workers: workers, batchSize: b, costPerImage: perImage, cores: pool) else { return nil }
        let g = choice.globalBatch
        let label = { (n: NetworkID) in config.network(n)?.label ?? "custom" }
        var line = "balance: \(workers) worker ranks: a \(label(.a)) \(choice.a), b \(label(.b)) \(choice.b); "
            + "global batch \(g) (a \(g / choice.a), b \(g / choice.b) images per rank)"
        if !measured {
            line += "; one architecture, so as even as the ranks allow"
        } else {
            line += String(format: "; step cost per image at 1 thread a %.1f ms, b %.1f ms", perImage[.a]! * 1e3, perImage[.b]! * 1e3)
            line += choice.equalStep.map { String(format: "; predicted step ×%.2f of the equal split", choice.step / $0) }
                ?? "; no equal split of \(workers)"
            line += " on \(pool) core\(pool == 1 ? "" : "s")"
        }
        return (choice, [line + " (distributed.ranks_a / ranks_b override)"])
    }

    /// Sets this rank's threads (workers only) and returns the lines that describe the plan.
    static func apply(world: Communicator, topology: JobTopology, hosts: [String], cores: [Int], config: TrainingConfig, costs: StepCosts) throws -> [String] {
        let d = config.distributed
        let explicit: [NetworkID: Int] = [.a: d.threadsA, .b: d.threadsB].compactMapValues { $0 }
        guard d.balance || !explicit.isEmpty else { return [] }
        let plan = costs.plan
        // Nothing to choose where every host has at least as many workers as cores (one thread
        // each): no measurement, and without explicit settings, no plan.
        let choice = Set(hosts).contains { h in topology.workerRanks.filter { hosts[$0] == h }.count < (cores[hosts.firstIndex(of: h)!]) }
        guard choice || !explicit.isEmpty else {
            if case .worker = topology.role(of: world.rank) { Parallel.threads = 1 }
            return ["balance: every host has as many worker ranks as cores or more: 1 thread each"]
        }
        let measured = try costs.get()
        // Per rank: with unequal groups a rank of network n runs G/k_n images, not batch_size
        // (the cost is linear in the images: GEMM FLOPs). Equal groups: × 1.
        let b = config.train.batchSize
        let work = Dictionary(uniqueKeysWithValues: measured.map { n, t in
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
