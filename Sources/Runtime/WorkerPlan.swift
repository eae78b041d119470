// How many worker ranks a two-network job should start on one host, before it starts
// (`colad plan`, used by launch/local when no rank count is given): mpirun fixes the rank count
// at launch, so this is the one balancing choice the job cannot make itself. The job then splits
// the workers it was given by the same model (Balancing.rankSplit, RankSplit.choose).
//
//   costs   per-image step cost of each network at one thread (StepCost.measure, this process
//           alone on the host), or 1 : 1 for two trained networks of one architecture
//   choice  RankSplit.workers over W = 2 … 2·cores, cores shared by the ranks (processor sharing)
import Config
import Engine
import Foundation
import Training

public enum WorkerPlan {
    /// Per-image costs (.a, .b) of a two-network config: measured at one thread unless both are
    /// trained networks of one architecture (then 1 : 1 and `measured` false).
    static func costPerImage(_ config: TrainingConfig, plan: ModePlan,
                             measure: () throws -> [NetworkID: Double]) rethrows -> (costs: [NetworkID: Double], measured: Bool) {
        let alike = plan.role(.a).trained && plan.role(.b).trained && config.networkA.architecture == config.networkB?.architecture
        if alike { return ([.a: 1, .b: 1], false) }
        return (try measure().mapValues { $0 / Double(config.train.batchSize) }, true)
    }

    /// The worker count and split for `cores` cores, with lines that explain it (every W tried).
    public static func choose(_ config: TrainingConfig, cores: Int, maxWorkers: Int? = nil) throws -> (RankSplit.Choice, [String]) {
        let plan = ModePlan(config)
        guard plan.networks.count == 2 else {
            throw TrainingError("plan: mode \(config.mode.rawValue) trains one network: there is nothing to split between networks",
                                hint: "launch it with a rank count, e.g. launch/local CONFIG 1")
        }
        guard cores >= 1 else { throw TrainingError("plan: cores must be ≥ 1, got \(cores)") }
        // Counts the config names, or balancing off: nothing to choose.
        let d = config.distributed, b = config.train.batchSize
        if (d.ranksA == nil) != (d.ranksB == nil) {
            throw TrainingError("plan: distributed.\(d.ranksA == nil ? "ranks_b" : "ranks_a") is set alone, so the other group is "
                                + "\"the rest of the workers\" and the worker count is for the launch to say",
                                hint: "set both distributed.ranks_a and ranks_b, or give the launcher a count (launch/local CONFIG A:B)")
        }
        let named: (Int, Int, String)? = d.ranksA.map { ($0, d.ranksB!, "distributed.ranks_a / ranks_b") }
            ?? d.ranksPerNetwork.map { ($0, $0, "distributed.ranks_per_network") }
            ?? (d.balance ? nil : (1, 1, "distributed.balance is off"))
        if let (ka, kb, why) = named {
            let g = b * max(ka, kb)
            return (RankSplit.Choice(a: ka, b: kb, globalBatch: g, step: .nan, equalStep: nil),
                    ["plan: \(ka + kb) worker ranks (a \(ka), b \(kb)): \(why), so nothing to choose"])
        }
        let (c, measured) = costPerImage(config, plan: plan) { StepCost.measure(config, plan: plan, numClasses: 8) }
        let candidates = RankSplit.candidates(cores: cores, batchSize: b, costPerImage: c, maxWorkers: maxWorkers)
        let best = RankSplit.workers(among: candidates)
        let label = { (n: NetworkID) in config.network(n)?.label ?? "custom" }
        var lines = [measured
            ? String(format: "plan: step cost per image at 1 thread, measured here: a %@ %.2f ms, b %@ %.2f ms (b/a %.2f)",
                     label(.a), c[.a]! * 1e3, label(.b), c[.b]! * 1e3, c[.b]! / c[.a]!)
            : "plan: a and b are trained networks of one architecture (\(label(.a))): equal cost, no measurement"]
        let base = candidates[0].split!
        for (w, split) in candidates {
            guard let s = split else {
                lines.append("plan:   \(w) workers: no split divides the global batch \(RankSplit.globalBatch(workers: w, batchSize: b))")
                continue
            }
            lines.append(String(format: "plan:   %d workers: a %d, b %d, global batch %d: predicted ×%.2f the images/s of 1 + 1%@",
                                w, s.a, s.b, s.globalBatch, RankSplit.throughput(s) / RankSplit.throughput(base), w == best.a + best.b ? "  ← chosen" : ""))
        }
        lines.append("plan: \(best.a + best.b) worker ranks on \(cores) core\(cores == 1 ? "" : "s") (a larger count must be predicted over 2 % faster; "
                     + "all-reduce, memory and context switches are not in the model; docs/ARCHITECTURE.md, cost-balanced co-training)")
        return (best, lines)
    }
}
