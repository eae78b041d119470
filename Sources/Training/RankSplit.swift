// How many worker ranks each of two networks gets when the job is given W workers and no counts,
// and how many workers to start on a host of C cores (docs/ARCHITECTURE.md, "Cost-balanced
// co-training"). Both networks meet every iteration, so a split that gives the dearer network
// more ranks shortens the step, and the global batch stays what an equal split would have:
// G = train.batch_size × ⌈W/2⌉, so the numbers do not depend on the split (every image of G is
// processed by exactly one rank of each group; JobTopology).
//
// Cost model (c_n = seconds per image of network n's step at one thread, measured by StepCost;
// every worker rank runs one thread):
//   split (k_a, k_b), k_a + k_b = W, both dividing G
//   work    w_n = c_n · G / k_n per rank of network n
//   step    the C cores are shared equally by the ranks still working (processor sharing,
//           ThreadBalance.predict); a rank that has finished waits asleep at the coordinator and
//           uses no core. With W ≤ C: step = max(w_a, w_b).
// `choose` tries every split of W (ties go to the split nearer equal); `workers` tries every W
// from 2 to 2C and keeps the one with the most images per second G / step, the smallest W
// unless a larger one is faster by more than `margin` (all-reduce, memory and context switches
// are outside the model). RankSplitTests checks both by hand cases.
import Config

public enum RankSplit {
    public struct Choice: Equatable, Sendable {
        public var a: Int
        public var b: Int
        /// G, shared by both groups.
        public var globalBatch: Int
        /// Predicted step, seconds.
        public var step: Double
        /// The equal split's predicted step (nil: W is odd, or k = W/2 does not divide G).
        public var equalStep: Double?

        public init(a: Int, b: Int, globalBatch: Int, step: Double, equalStep: Double?) {
            self.a = a; self.b = b; self.globalBatch = globalBatch; self.step = step; self.equalStep = equalStep
        }
    }

    /// The global batch a job of `workers` ranks runs when the split is chosen by cost.
    public static func globalBatch(workers: Int, batchSize: Int) -> Int { batchSize * ((workers + 1) / 2) }

    /// Predicted step of a split on `cores` cores (nil: a core per rank), or nil when a count
    /// does not divide G.
    public static func step(a: Int, b: Int, globalBatch g: Int, costPerImage c: [NetworkID: Double], cores: Int? = nil) -> Double? {
        guard a >= 1, b >= 1, g % a == 0, g % b == 0 else { return nil }
        let work = [NetworkID.a: c[.a]! * Double(g / a), .b: c[.b]! * Double(g / b)]
        guard let cores, cores < a + b else { return max(work[.a]!, work[.b]!) }
        return ThreadBalance.predict(cores: cores, ranks: [.a: a, .b: b], work: work, threads: [.a: 1, .b: 1]).step
    }

    /// The best split of `workers` ranks for per-image costs `costPerImage` (.a and .b) on
    /// `cores` cores (nil: a core per rank), or nil when no split of them divides the global batch.
    public static func choose(workers: Int, batchSize: Int, costPerImage: [NetworkID: Double], cores: Int? = nil) -> Choice? {
        precondition(workers >= 2 && batchSize >= 1 && costPerImage[.a] != nil && costPerImage[.b] != nil)
        let g = globalBatch(workers: workers, batchSize: batchSize)
        var best: Choice?
        for a in 1..<workers {
            let b = workers - a
            guard let s = step(a: a, b: b, globalBatch: g, costPerImage: costPerImage, cores: cores) else { continue }
            let better = best.map { s < $0.step * (1 - 1e-9) || (s <= $0.step * (1 + 1e-9) && abs(a - b) < abs($0.a - $0.b)) } ?? true
            if better { best = Choice(a: a, b: b, globalBatch: g, step: s, equalStep: nil) }
        }
        best?.equalStep = workers % 2 == 0 ? step(a: workers / 2, b: workers / 2, globalBatch: g, costPerImage: costPerImage, cores: cores) : nil
        return best
    }

    /// Images per second of a choice (G / step; costs in seconds).
    public static func throughput(_ c: Choice) -> Double { Double(c.globalBatch) / c.step }

    /// Every worker count W in 2...maxWorkers (default 2·cores) with its best split on `cores`
    /// cores (nil where no split divides the global batch).
    public static func candidates(cores: Int, batchSize: Int, costPerImage: [NetworkID: Double],
                                  maxWorkers: Int? = nil) -> [(workers: Int, split: Choice?)] {
        precondition(cores >= 1)
        return (2...max(2, maxWorkers ?? 2 * cores)).map { w in
            (w, choose(workers: w, batchSize: batchSize, costPerImage: costPerImage, cores: cores))
        }
    }

    /// How many workers to start, with their split, among `candidates` (W ascending, W = 2 first):
    /// a larger W wins only when its images per second beat the best smaller one's by more than
    /// `margin`.
    public static func workers(among candidates: [(workers: Int, split: Choice?)], margin: Double = 0.02) -> Choice {
        var best = candidates[0].split!   // W = 2: 1 + 1 always divides G = batch_size
        for case let (_, c?) in candidates.dropFirst() where throughput(c) > throughput(best) * (1 + margin) { best = c }
        return best
    }

    /// `workers(among: candidates(…))`.
    public static func workers(cores: Int, batchSize: Int, costPerImage: [NetworkID: Double],
                               maxWorkers: Int? = nil, margin: Double = 0.02) -> Choice {
        workers(among: candidates(cores: cores, batchSize: batchSize, costPerImage: costPerImage, maxWorkers: maxWorkers), margin: margin)
    }
}
