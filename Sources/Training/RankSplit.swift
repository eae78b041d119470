// How many worker ranks each of two networks gets when the job is given W workers and no counts
// (docs/ARCHITECTURE.md, "Cost-balanced co-training"). Both networks meet every iteration, so a
// split that gives the dearer network more ranks shortens the step, and the global batch stays
// what an equal split would have: G = train.batch_size × ⌈W/2⌉, so the numbers do not depend on
// the split (every image of G is processed by exactly one rank of each group; JobTopology).
//
// Cost model (each worker rank on a core of its own; c_n = seconds per image of network n's
// step at one thread, measured at start-up by StepCost):
//   split (k_a, k_b), k_a + k_b = W, both dividing G
//   step(k_a, k_b) = max(c_a · G / k_a, c_b · G / k_b)
// The split with the shortest step wins; ties go to the split nearer equal. `choose` tries
// every split (W − 1 of them); RankSplitTests checks it by hand cases.
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

    /// Predicted step of a split (nil when a count does not divide G).
    public static func step(a: Int, b: Int, globalBatch g: Int, costPerImage c: [NetworkID: Double]) -> Double? {
        guard a >= 1, b >= 1, g % a == 0, g % b == 0 else { return nil }
        return max(c[.a]! * Double(g / a), c[.b]! * Double(g / b))
    }

    /// The best split of `workers` ranks for per-image costs `costPerImage` (.a and .b), or nil
    /// when no split of them divides the global batch.
    public static func choose(workers: Int, batchSize: Int, costPerImage: [NetworkID: Double]) -> Choice? {
        precondition(workers >= 2 && batchSize >= 1 && costPerImage[.a] != nil && costPerImage[.b] != nil)
        let g = globalBatch(workers: workers, batchSize: batchSize)
        var best: Choice?
        for a in 1..<workers {
            let b = workers - a
            guard let s = step(a: a, b: b, globalBatch: g, costPerImage: costPerImage) else { continue }
            let better = best.map { s < $0.step * (1 - 1e-9) || (s <= $0.step * (1 + 1e-9) && abs(a - b) < abs($0.a - $0.b)) } ?? true
            if better { best = Choice(a: a, b: b, globalBatch: g, step: s, equalStep: nil) }
        }
        best?.equalStep = workers % 2 == 0 ? step(a: workers / 2, b: workers / 2, globalBatch: g, costPerImage: costPerImage) : nil
        return best
    }
}
