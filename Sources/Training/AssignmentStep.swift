// One iteration's label assignment for every mode that assigns by PAA (baseline, lad, colad):
// pre-assignment (identical for both networks) → each assigning network's candidate costs →
// the teacher decision (CoLAD) → top-k + GMM + separation on the chosen costs (SPEC §5, §7, §9).
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

/// What the CoLAD rule saw and decided this iteration (logged, and sent to the coordinator).
public struct DecisionRecord: Codable, Equatable, Sendable {
    /// Statistics of A ("s_*", student slot) and B ("t_*", teacher slot), pooled over the batch's
    /// (object, level) candidate sets.
    public var a: AggregateStats
    public var b: AggregateStats
    /// Iteration granularity: the teacher; object granularity: nil (see `teacherBRatio`).
    public var teacher: Teacher?
    /// Fraction of (object, level) sets whose labels came from B's costs.
    public var teacherBRatio: Double

    public init(a: AggregateStats, b: AggregateStats, teacher: Teacher?, teacherBRatio: Double) {
        self.a = a; self.b = b; self.teacher = teacher; self.teacherBRatio = teacherBRatio
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

    /// CoLAD: decide, merge and finalize. Returns the assignments and the decision record.
    public func coLAD(_ pre: [Preassignment], costsA: [[Float]], costsB: [[Float]], rule: TeacherRule,
                      granularity: Granularity) -> ([Assignment], DecisionRecord) {
        let statsA = statistics(pre, costs: costsA), statsB = statistics(pre, costs: costsB)
        var aggA = AggregateStats(), aggB = AggregateStats()
        for s in statsA.joined() { aggA.add(s) }
        for s in statsB.joined() { aggB.add(s) }
        switch granularity {
        case .iteration:
            let teacher = rule.decide(a: aggA, b: aggB)
            let assignments = finalize(pre, costs: teacher == .a ? costsA : costsB)
            return (assignments, DecisionRecord(a: aggA, b: aggB, teacher: teacher, teacherBRatio: teacher == .b ? 1 : 0))
        case .object:
            var pairs = 0, fromB = 0
            var merged: [[Float]] = []
            for b in pre.indices {
                let choice = zip(statsA[b], statsB[b]).map { rule.decide(a: $0, b: $1) }
                pairs += choice.count; fromB += choice.filter { $0 == .b }.count
                var k = 0
                merged.append(pre[b].mergedCosts(costsA[b], costsB[b]) { _ in defer { k += 1 }; return choice[k] == .b })
            }
            let ratio = pairs > 0 ? Double(fromB) / Double(pairs) : 0
            return (finalize(pre, costs: merged), DecisionRecord(a: aggA, b: aggB, teacher: nil, teacherBRatio: ratio))
        }
    }
}
