// The value types of PAA label assignment (SPEC §5): ground truth of one image, the MaxIoU
// pre-assignment (candidates grouped by object and level), per-group cost statistics (the
// CoLAD rule's input, SPEC §9) and the final per-anchor assignment.
//
// Conventions live in types: an anchor is `.invalid`, `.background` or `.foreground(object:)`.
// There is no "ignored" state: PAA's ignore set is empty (pos/neg IoU thresholds are equal and
// separation turns every non-positive candidate into a negative).

import Detection

/// The objects of one image in network-input coordinates: boxes and class indices in 0..<C.
public struct ObjectTargets: Equatable, Sendable {
    public var boxes: [BoxXYXY]
    public var labels: [Int]

    public init(boxes: [BoxXYXY], labels: [Int]) {
        precondition(boxes.count == labels.count, "ObjectTargets: \(boxes.count) boxes but \(labels.count) labels")
        self.boxes = boxes
        self.labels = labels
    }

    /// An image without objects.
    public static let empty = ObjectTargets(boxes: [], labels: [])

    /// G, the number of objects.
    public var count: Int { boxes.count }
}

/// What one anchor is assigned to.
public enum AnchorAssignment: Hashable, Sendable {
    /// Outside the image's own extent: never a candidate, label weight 0.
    case invalid
    /// A negative: all-zero class target, label weight 1, no box target.
    case background
    /// A positive (or, in a `Preassignment`, a candidate) of object `object` (its GT index).
    case foreground(object: Int)

    /// The object index of a foreground anchor, else nil.
    @inlinable public var object: Int? {
        if case .foreground(let g) = self { return g }
        return nil
    }
}

/// Result of the MaxIoU pre-assignment of one image (SPEC §5 step 1): which anchors are
/// candidates of which object. Depends only on the anchors, the valid flags and the ground
/// truth, so it is identical for every network of a job (LAD teacher and student, CoLAD A and B).
public struct Preassignment: Equatable, Sendable {
    /// One candidate anchor of one object.
    public struct Candidate: Hashable, Sendable {
        /// Flat anchor index.
        public let anchor: Int
        /// GT index g in 0..<G.
        public let object: Int
        /// Pyramid level of the anchor.
        public let level: Int

        public init(anchor: Int, object: Int, level: Int) {
            self.anchor = anchor; self.object = object; self.level = level
        }
    }

    /// The candidates of one (object, level) pair: `candidates[range]`.
    public struct Group: Hashable, Sendable {
        public let object: Int
        public let level: Int
        public let range: Range<Int>

        public init(object: Int, level: Int, range: Range<Int>) {
            self.object = object; self.level = level; self.range = range
        }
    }

    /// The image's ground truth (the box and label targets of candidates).
    public let groundTruth: ObjectTargets
    /// [A] per anchor: `.invalid`, `.background` (max IoU < threshold) or `.foreground(object:)`
    /// (a candidate of that object, after the low-quality pass).
    public let anchors: [AnchorAssignment]
    /// Every candidate, grouped by object (ascending), then level (ascending), anchors ascending
    /// within a group. Per-candidate arrays (costs) are aligned with this order.
    public let candidates: [Candidate]
    /// The non-empty (object, level) groups, in the order of `candidates`.
    public let groups: [Group]

    public init(groundTruth: ObjectTargets, anchors: [AnchorAssignment], candidates: [Candidate], groups: [Group]) {
        self.groundTruth = groundTruth
        self.anchors = anchors
        self.candidates = candidates
        self.groups = groups
    }

    /// A, the anchors of the image.
    public var anchorCount: Int { anchors.count }
    /// G, the objects of the image.
    public var objectCount: Int { groundTruth.count }

    /// Costs for `finalize` that take, per group, either `first` or `second` (both aligned with
    /// `candidates`): CoLAD's per-(object, level) switch merges the two networks' costs this way.
    public func mergedCosts(_ first: [Float], _ second: [Float], useSecond: (Group) -> Bool) -> [Float] {
        precondition(first.count == candidates.count && second.count == candidates.count,
                     "mergedCosts: cost arrays must have one entry per candidate (\(candidates.count))")
        var merged = first
        for group in groups where useSecond(group) {
            merged.replaceSubrange(group.range, with: second[group.range])
        }
        return merged
    }
}

/// Cost statistics of one (object, level) candidate group: the CoLAD std/mean rule's input
/// (SPEC §9), computed before top-k over every candidate of the group.
public struct CandidateStats: Hashable, Sendable {
    public let object: Int
    public let level: Int
    /// |C_{g,l}| ≥ 1.
    public let count: Int
    /// Mean cost.
    public let mean: Double
    /// Unbiased (n − 1) standard deviation; nil when count < 2.
    public let std: Double?

    public init(object: Int, level: Int, count: Int, mean: Double, std: Double?) {
        self.object = object; self.level = level; self.count = count; self.mean = mean; self.std = std
    }
}

/// What label assignment decided for one object.
public enum ObjectOutcome: Equatable, Sendable {
    /// The mixture fit ran; `count` candidates became positives (0 if the foreground component
    /// claimed none).
    case positives(count: Int)
    /// |T_g| < 2 (including no candidate at all): no positives (mmdet PAA/LAD/CoLAD behaviour).
    case tooFewCandidates(count: Int)
    /// The mixture fit failed (non-finite cost, degenerate covariance): the object is skipped.
    case fitFailed(GMMFitError)
}

/// The final assignment of one image (SPEC §5 step 6): per anchor its state, the positives
/// with their object, and the per-object outcome.
public struct Assignment: Equatable, Sendable {
    /// One positive anchor and the object it regresses to.
    public struct Positive: Hashable, Sendable {
        public let anchor: Int
        public let object: Int

        public init(anchor: Int, object: Int) {
            self.anchor = anchor
            self.object = object
        }
    }

    /// [A] per anchor.
    public let anchors: [AnchorAssignment]
    /// The positives, by ascending anchor index.
    public let positives: [Positive]
    /// [G] per object (empty when rebuilt from a transported positive list).
    public let outcomes: [ObjectOutcome]

    /// The number of positives of the image (its contribution to N_pos).
    public var numPositives: Int { positives.count }

    /// Rebuilds an assignment from valid flags and positives (e.g. received from a peer):
    /// valid non-positive anchors are background.
    public init(valid: [Bool], positives: [Positive], outcomes: [ObjectOutcome] = []) {
        var anchors = valid.map { $0 ? AnchorAssignment.background : .invalid }
        for p in positives {
            precondition(valid[p.anchor], "Assignment: positive anchor \(p.anchor) is invalid")
            precondition(anchors[p.anchor] == .background, "Assignment: anchor \(p.anchor) listed twice")
            anchors[p.anchor] = .foreground(object: p.object)
        }
        self.anchors = anchors
        self.positives = positives.sorted { $0.anchor < $1.anchor }
        self.outcomes = outcomes
    }

    /// An assignment from explicit per-anchor states (tests, hand-built cases).
    public init(anchors: [AnchorAssignment], outcomes: [ObjectOutcome] = []) {
        self.anchors = anchors
        self.positives = anchors.indices.compactMap { a in anchors[a].object.map { Positive(anchor: a, object: $0) } }
        self.outcomes = outcomes
    }
}
