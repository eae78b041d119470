// The steps of label assignment (SPEC §5, §7, §9): pre-assignment (identical for both
// networks), per-(object, level) statistics of a network's candidate costs, top-k + GMM +
// separation on the chosen costs, and the per-object CoLAD merge.
import Config
import Datasets
import Detection
import Distillation
import Engine
import PAA

/// Per-image inputs of the assignment, derived from a batch.
public struct BatchTargets {
    public var targets: [ObjectTargets]
    public var valid: [[Bool]]
    /// Each image's unpadded (resized) extent, for clipping and the soft-label loss.
    public var imageSizes: [(width: Float, height: Float)]

    public init(_ batch: PreparedBatch, layout: AnchorLayout) {
        targets = (0..<batch.count).map { ObjectTargets(boxes: batch.boxes[$0], labels: batch.labels[$0]) }
        valid = (0..<batch.count).map { layout.validFlags(width: batch.validWidths[$0], height: batch.validHeights[$0]) }
        imageSizes = (0..<batch.count).map { (width: Float(batch.validWidths[$0]), height: Float(batch.validHeights[$0])) }
    }
}

public struct AssignmentStep {
    public let layout: AnchorLayout
    public let assigner: PAAAssigner

    public init(layout: AnchorLayout, assigner: PAAAssigner) {
        self.layout = layout; self.assigner = assigner
    }

    /// Pre-assignment of every image (depends only on anchors and ground truth).
    public func preassign(_ t: BatchTargets) -> [Preassignment] {
        var out = [Preassignment?](repeating: nil, count: t.targets.count)
        out.withUnsafeMutableBufferPointer { buf in
            Parallel.forEach(buf.count) { b in buf[b] = assigner.preassign(t.targets[b], valid: t.valid[b]) }
        }
        return out.map { $0! }
    }

    /// Final assignments from one network's costs.
    public func finalize(_ pre: [Preassignment], costs: [[Float]]) -> [Assignment] {
        var out = [Assignment?](repeating: nil, count: pre.count)
        out.withUnsafeMutableBufferPointer { buf in
            Parallel.forEach(buf.count) { b in buf[b] = assigner.finalize(pre[b], costs: costs[b]) }
        }
        return out.map { $0! }
    }

    /// Per-image (object, level) statistics of a network's costs.
    public func statistics(_ pre: [Preassignment], costs: [[Float]]) -> [[CostStats]] {
        zip(pre, costs).map { p, c in
            assigner.candidateStatistics(p, costs: c).map { CostStats(count: $0.count, mean: $0.mean, std: $0.std) }
        }
    }

    /// One network's statistics pooled over the batch (the per-iteration rule's input).
    public func aggregate(_ pre: [Preassignment], costs: [[Float]]) -> AggregateStats {
        var agg = AggregateStats()
        for s in statistics(pre, costs: costs).joined() { agg.add(s) }
        return agg
    }

    /// The per-object rule (SPEC §9): per image, object and level the rule picks A's or B's
    /// costs; the merged costs are finalized. Returns the assignments and the statistics the
    /// coordinator records (both networks' aggregates, the (object, level) sets and those from B).
    public func mergePerObject(_ pre: [Preassignment], costsA: [[Float]], costsB: [[Float]], rule: TeacherRule) -> ([Assignment], Stats) {
        let statsA = statistics(pre, costs: costsA), statsB = statistics(pre, costs: costsB)
        var out = Stats(a: AggregateStats(), b: AggregateStats())
        for s in statsA.joined() { out.a!.add(s) }
        for s in statsB.joined() { out.b!.add(s) }
        var merged: [[Float]] = []
        for b in pre.indices {
            let choice = zip(statsA[b], statsB[b]).map { rule.decide(a: $0, b: $1) }
            out.pairs += choice.count; out.fromB += choice.filter { $0 == .b }.count
            var k = 0
            merged.append(pre[b].mergedCosts(costsA[b], costsB[b]) { _ in defer { k += 1 }; return choice[k] == .b })
        }
        return (finalize(pre, costs: merged), out)
    }
}
