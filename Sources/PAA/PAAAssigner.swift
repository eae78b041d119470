// PAA label assignment of one image (SPEC §5), as separate stages so LAD and CoLAD can reuse
// them (SPEC §7, §9, §13):
//
//   preassign(gt, valid)            MaxIoU: IoU [G, A] → per anchor background / candidate of g
//   anchorCosts(pre, predictions)   S_a = Σ_c FL(z_ac, onehot(cls g)_c) + 1.3·(1 − GIoU(decode(a, δ_a), g))
//   candidateStatistics(pre, S)     per (object, level): count, mean, unbiased std  (CoLAD rule input)
//   finalize(pre, S)                per object: top-k per level → T_g, sort, 2-GMM, separation (c)
//
// Shapes: A anchors, G objects, C classes, K candidates (K ≤ A; every candidate belongs to one
// object). `finalize` accepts any cost array aligned with `pre.candidates`: LAD passes the
// teacher's costs, CoLAD (object granularity) a per-(object, level) merge of two networks'.
// Nothing here is differentiated: assignment runs without gradients.
//
// Choices the reference leaves open (documented in README.md):
//  - first maximum for argmax over GTs (torch.max on CPU); the low-quality pass requires
//    M_g > 0 (SPEC §0) and gives every valid anchor with IoU == M_g to g, later GTs overwrite;
//  - top-k and the sort of T_g break cost ties by the lower anchor index;
//  - a non-finite cost among an object's candidates skips the object (SPEC §5 recommendation);
//  - costs are evaluated in Double from the Float predictions and rounded once to Float; the
//    mixture runs in Double on those Float values (`GaussianMixture1D` `.float64`, SPEC §14).
//    `.mmdetFloat32` reproduces mmdet's float32 sklearn input instead (config `gmmArithmetic`).

import Detection
import Engine
import Models

/// Settings of the PAA assigner. The defaults are the reference values (SPEC §5).
public struct PAAAssignerConfig: Codable, Equatable, Sendable {
    /// Which floating-point path the mixture fit reproduces (see `GaussianMixture1D.Arithmetic`).
    public enum GMMArithmetic: String, Codable, Sendable {
        /// sklearn on float64 input (SPEC §14; default).
        case float64
        /// sklearn on the float32 array mmdet really passes (fits fail more often; see Detection/README.md).
        case mmdetFloat32
    }

    /// MaxIoU threshold: pos_iou_thr = neg_iou_thr = 0.1, so there is no ignore band.
    public var candidateIoU: Float
    /// k of the per-(object, level) top-k.
    public var topK: Int
    /// Weight of (1 − GIoU) in the anchor cost (the GIoU loss weight).
    public var boxCostWeight: Double
    /// Focal-loss parameters of the cost's classification term.
    public var focalAlpha: Double
    public var focalGamma: Double
    public var gmmArithmetic: GMMArithmetic

    public init(candidateIoU: Float = 0.1, topK: Int = 9, boxCostWeight: Double = 1.3,
                focalAlpha: Double = FocalDefaults.alpha, focalGamma: Double = FocalDefaults.gamma,
                gmmArithmetic: GMMArithmetic = .float64) {
        self.candidateIoU = candidateIoU
        self.topK = topK
        self.boxCostWeight = boxCostWeight
        self.focalAlpha = focalAlpha
        self.focalGamma = focalGamma
        self.gmmArithmetic = gmmArithmetic
    }

    var gmmOptions: GaussianMixture1D.Options {
        switch gmmArithmetic {
        case .float64: return .init(arithmetic: .float64)
        case .mmdetFloat32: return .init(arithmetic: .mmdetFloat32)
        }
    }
}

/// PAA's probabilistic anchor assignment for one image at a time (see the file header).
/// A value type holding the anchors and settings; safe to share across threads.
public struct PAAAssigner: Sendable {
    public let anchors: AnchorSet
    public let config: PAAAssignerConfig

    public init(anchors: AnchorSet, config: PAAAssignerConfig = .init()) {
        precondition(config.topK >= 1, "PAAAssigner: topK must be ≥ 1")
        self.anchors = anchors
        self.config = config
    }

    public init(layout: AnchorLayout, config: PAAAssignerConfig = .init()) {
        self.init(anchors: layout.anchorSet, config: config)
    }

    // MARK: Step 1: MaxIoU pre-assignment

    /// MaxIoU pre-assignment (SPEC §5 step 1) over the valid anchors. `valid` is [A].
    public func preassign(_ gt: ObjectTargets, valid: [Bool]) -> Preassignment {
        let a = anchors.count, g = gt.count
        precondition(valid.count == a, "preassign: \(valid.count) valid flags for \(a) anchors")
        // owner[a]: −2 invalid, −1 background, else the GT index.
        var owner = valid.map { $0 ? -1 : -2 }
        if g > 0 {
            let iou = IoUMatrix.sweep(gts: gt.boxes, index: anchors.sweepIndex)   // [G, A]
            iou.values.withUnsafeBufferPointer { m in
                // 1.2: m_a = max_g IoU(g, a), first maximum; candidate iff m_a ≥ threshold.
                for j in 0..<a where owner[j] == -1 {
                    var best = m[j], bestG = 0
                    for k in 1..<g where m[k * a + j] > best { best = m[k * a + j]; bestG = k }
                    if best >= config.candidateIoU { owner[j] = bestG }
                }
                // 1.3: low-quality pass, GTs in order (later ones overwrite); M_g > 0 guard.
                for k in 0..<g {
                    var mg: Float = 0
                    for j in 0..<a where owner[j] != -2 { mg = max(mg, m[k * a + j]) }
                    guard mg > 0 else { continue }
                    for j in 0..<a where owner[j] != -2 && m[k * a + j] == mg { owner[j] = k }
                }
            }
        }
        return Self.grouped(gt, owner: owner, levelRanges: anchors.levelRanges)
    }

    /// Builds the `Preassignment` from per-anchor owners: candidates bucketed by
    /// (object, level) with a counting sort (anchors stay ascending inside a bucket).
    static func grouped(_ gt: ObjectTargets, owner: [Int], levelRanges: [Range<Int>]) -> Preassignment {
        let levels = levelRanges.count
        var states = [AnchorAssignment](repeating: .background, count: owner.count)
        var bucketCount = [Int](repeating: 0, count: gt.count * levels)
        for (l, r) in levelRanges.enumerated() {
            for j in r {
                switch owner[j] {
                case -2: states[j] = .invalid
                case -1: break
                case let k: states[j] = .foreground(object: k); bucketCount[k * levels + l] += 1
                }
            }
        }
        var start = [Int](repeating: 0, count: bucketCount.count + 1)
        for b in bucketCount.indices { start[b + 1] = start[b] + bucketCount[b] }
        var next = Array(start.dropLast())
        var slots = [Preassignment.Candidate?](repeating: nil, count: start.last!)
        for (l, r) in levelRanges.enumerated() {
            for j in r where owner[j] >= 0 {
                let b = owner[j] * levels + l
                slots[next[b]] = .init(anchor: j, object: owner[j], level: l)
                next[b] += 1
            }
        }
        let groups = bucketCount.indices.filter { bucketCount[$0] > 0 }.map { b in
            Preassignment.Group(object: b / levels, level: b % levels, range: start[b]..<start[b + 1])
        }
        return Preassignment(groundTruth: gt, anchors: states, candidates: slots.map { $0! }, groups: groups)
    }

    // MARK: Step 2: anchor cost

    /// The anchor cost S of every candidate, aligned with `pre.candidates` (SPEC §5 step 2),
    /// from the assigning network's predictions. Evaluated in Double, rounded once to Float.
    public func anchorCosts(_ pre: Preassignment, predictions: ImagePredictions) -> [Float] {
        precondition(predictions.anchorCount == anchors.count,
                     "anchorCosts: predictions for \(predictions.anchorCount) anchors, assigner has \(anchors.count)")
        return pre.candidates.map { c in
            Float(anchorCost(anchor: c.anchor, object: pre.groundTruth.boxes[c.object],
                             label: pre.groundTruth.labels[c.object], predictions: predictions))
        }
    }

    /// S for anchor `anchor` against one object:
    /// Σ_{c<C} FL(z_c, [c == label]) + boxCostWeight·(1 − GIoU(decode(anchor, δ), box)), unclipped.
    public func anchorCost(anchor a: Int, object box: BoxXYXY, label: Int, predictions: ImagePredictions) -> Double {
        let logits = predictions.clsLogits(anchor: a)
        precondition(label >= 0 && label < logits.count, "anchorCost: label \(label) outside 0..<\(logits.count)")
        var focal = 0.0
        for (c, z) in logits.enumerated() {
            focal += sigmoidFocalLoss(logit: Double(z), isPositive: c == label,
                                      alpha: config.focalAlpha, gamma: config.focalGamma).loss
        }
        let decoded = DeltaXYWHCoder.decode(anchor: XYXYBox<Double>(anchors.anchors[a]),
                                            delta: DeltaXYWH<Double>(predictions.delta(anchor: a)))
        return focal + config.boxCostWeight * (1 - giou(decoded, XYXYBox<Double>(box)))
    }

    // MARK: CoLAD statistics

    /// Count, mean and unbiased std of the costs of every (object, level) group, in group order
    /// (SPEC §9 step 2; all candidates of the group, before top-k). Double accumulation.
    public func candidateStatistics(_ pre: Preassignment, costs: [Float]) -> [CandidateStats] {
        precondition(costs.count == pre.candidates.count, "candidateStatistics: \(costs.count) costs for \(pre.candidates.count) candidates")
        return pre.groups.map { group in
            let n = group.range.count
            var sum = 0.0
            for k in group.range { sum += Double(costs[k]) }
            let mean = sum / Double(n)
            var std: Double? = nil
            if n >= 2 {
                var ss = 0.0
                for k in group.range { let d = Double(costs[k]) - mean; ss += d * d }
                std = (ss / Double(n - 1)).squareRoot()
            }
            return CandidateStats(object: group.object, level: group.level, count: n, mean: mean, std: std)
        }
    }

    // MARK: Steps 3–6: top-k, mixture, separation, final labels

    /// T_g of every object in fit order (SPEC §5 step 3): per level the `topK` cheapest
    /// candidates, united, sorted by ascending cost; ties by the lower anchor index. Entries are
    /// indices into `pre.candidates`; `[]` for an object without candidates. NaN sorts last.
    public func topKSamples(_ pre: Preassignment, costs: [Float]) -> [[Int]] {
        precondition(costs.count == pre.candidates.count, "topKSamples: \(costs.count) costs for \(pre.candidates.count) candidates")
        var samples = [[Int]](repeating: [], count: pre.objectCount)
        var scratch: [Int] = []
        forEachObject(pre) { object, groups in
            samples[object] = topK(pre, costs: costs, groups: groups, scratch: &scratch)
        }
        return samples
    }

    /// The final assignment from the pre-assignment and one cost per candidate (SPEC §5 steps
    /// 3–6): T_g, a 2-component mixture over its sorted costs, scheme (c). Every candidate that
    /// does not become a positive becomes background. An object with a non-finite cost among
    /// its candidates is skipped (`.fitFailed(.nonFiniteSample(index:))`, index into
    /// `pre.candidates`).
    public func finalize(_ pre: Preassignment, costs: [Float]) -> Assignment {
        precondition(costs.count == pre.candidates.count, "finalize: \(costs.count) costs for \(pre.candidates.count) candidates")
        precondition(pre.anchorCount == anchors.count, "finalize: pre-assignment of \(pre.anchorCount) anchors, assigner has \(anchors.count)")
        var states = pre.anchors.map { $0 == .invalid ? AnchorAssignment.invalid : .background }
        var outcomes = [ObjectOutcome](repeating: .tooFewCandidates(count: 0), count: pre.objectCount)
        var positives: [Assignment.Positive] = []
        var scratch: [Int] = []
        forEachObject(pre) { object, groups in
            let all = groups.first!.range.lowerBound..<groups.last!.range.upperBound
            if let bad = all.first(where: { !costs[$0].isFinite }) {
                outcomes[object] = .fitFailed(.nonFiniteSample(index: bad))
                return
            }
            let sample = topK(pre, costs: costs, groups: groups, scratch: &scratch)
            do throws(PAASeparationError) {
                let separation = try paaSeparation(sortedCosts: sample.lazy.map { costs[$0] }, options: config.gmmOptions)
                for position in separation.positiveIndices {
                    let anchor = pre.candidates[sample[position]].anchor
                    states[anchor] = .foreground(object: object)
                    positives.append(.init(anchor: anchor, object: object))
                }
                outcomes[object] = .positives(count: separation.positiveCount)
            } catch {
                switch error {
                case .tooFewCandidates(let n): outcomes[object] = .tooFewCandidates(count: n)
                case .fitFailed(let e): outcomes[object] = .fitFailed(e)
                case .notSorted: preconditionFailure("finalize: T_g was sorted")
                }
            }
        }
        positives.sort { $0.anchor < $1.anchor }
        return Assignment(anchors: states, positives: positives, outcomes: outcomes)
    }

    /// Calls `body(object, its groups)` for every object that has candidates (groups are
    /// contiguous per object, objects ascending).
    private func forEachObject(_ pre: Preassignment, _ body: (Int, ArraySlice<Preassignment.Group>) -> Void) {
        var g0 = 0
        while g0 < pre.groups.count {
            var g1 = g0 + 1
            while g1 < pre.groups.count && pre.groups[g1].object == pre.groups[g0].object { g1 += 1 }
            body(pre.groups[g0].object, pre.groups[g0..<g1])
            g0 = g1
        }
    }

    /// T_g of one object (see `topKSamples`).
    private func topK(_ pre: Preassignment, costs: [Float], groups: ArraySlice<Preassignment.Group>, scratch: inout [Int]) -> [Int] {
        /// Ascending cost (NaN last), ties by the lower anchor index: a strict weak order.
        func before(_ i: Int, _ j: Int) -> Bool {
            let (ci, cj) = (costs[i].isNaN ? .infinity : costs[i], costs[j].isNaN ? .infinity : costs[j])
            return ci != cj ? ci < cj : pre.candidates[i].anchor < pre.candidates[j].anchor
        }
        var selected: [Int] = []
        for group in groups {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: group.range)
            scratch.sort(by: before)
            selected.append(contentsOf: scratch.prefix(config.topK))
        }
        selected.sort(by: before)
        return selected
    }

    /// All stages for one image with one network's predictions (PAA baseline, LAD teacher).
    public func assign(_ gt: ObjectTargets, valid: [Bool], predictions: ImagePredictions) -> Assignment {
        let pre = preassign(gt, valid: valid)
        return finalize(pre, costs: anchorCosts(pre, predictions: predictions))
    }
}

extension PAAAssigner {
    /// All stages for every image of a batch: image b is assigned from `outputs`' image b.
    /// Images run in parallel (`Parallel.forEach`); each result depends on its image only, so
    /// the output is identical for any thread count.
    public func assign(batch outputs: HeadOutputs, layout: AnchorLayout, groundTruth: [ObjectTargets], valid: [[Bool]]) -> [Assignment] {
        precondition(groundTruth.count == outputs.batchSize && valid.count == outputs.batchSize,
                     "assign(batch:): \(outputs.batchSize) images, \(groundTruth.count) ground truths, \(valid.count) valid-flag arrays")
        var results = [Assignment?](repeating: nil, count: outputs.batchSize)
        results.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(out.count) { b in
                out[b] = assign(groundTruth[b], valid: valid[b], predictions: ImagePredictions(outputs, layout: layout, image: b))
            }
        }
        return results.map { $0! }
    }
}

extension Assignment {
    /// Internal memberwise form used by `finalize` (positives already sorted by anchor).
    init(anchors: [AnchorAssignment], positives: [Positive], outcomes: [ObjectOutcome]) {
        self.anchors = anchors
        self.positives = positives
        self.outcomes = outcomes
    }
}
