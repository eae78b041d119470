// Anchors of colad's dense detectors (SPEC §0, §1): one square anchor per feature-map location
// on each pyramid level, flattened level-major (P3 first), then row-major (y, then x).
//
//   level l: stride s_l, grid H_l × W_l = ⌈H/s_l⌉ × ⌈W/s_l⌉ for an H × W input canvas,
//            anchor side d_l = anchorScale·s_l
//   anchor at grid cell (row i, col j):  centre (c_x, c_y) = ((j + o)·s_l, (i + o)·s_l)
//                                        box = centre ± d_l/2        (o = centerOffset)
//   flat index = levelStart_l + i·W_l + j
//
// This is exactly the row order of the head's NHWC outputs: row (y·W_l + x) of image n on
// level l is the anchor at cell (y, x) (see Models/PAAHeadNet.swift).
//
// Centre offset: colad uses the reference's o = 0 (mmdet AnchorGenerator, center_offset 0):
// the anchor of cell (i, j) is centred on the cell's top-left corner, so the first row/column
// of anchors is centred on the image's top/left border and the last one sits s_l short of the
// bottom/right border. A simulation of the built-in dataset's objects (8–100 px, aspect ≤ 2.5,
// 20 000 boxes, anchors 4·stride on 128 px) found no case for o = 0.5: mean best anchor IoU
// 0.421 (o = 0) vs 0.418 (o = 0.5), mean candidates per object 56.8 vs 57.6, no object with
// fewer than 2 candidates either way, and right/bottom-edge objects as well served as
// left/top ones (0.473 vs 0.476). `centerOffset` stays configurable; tests pin o = 0.
//
// Valid anchors (mmdet `valid_flags`): on level l an anchor is valid iff its column j < ⌈w/s_l⌉
// and its row i < ⌈h/s_l⌉, where (w, h) is the image's own unpadded extent inside the H×W input.
// Invalid anchors are never candidates and get label weight 0.
//
// The canvas is S × S for colad's presets and varies per batch with keep-ratio resizing
// (Datasets' Preprocess): `AnchorLayoutCache` builds each canvas's layout once.

import Detection
import Foundation

/// One pyramid level of an `AnchorLayout`.
public struct AnchorLevel: Equatable, Sendable {
    /// Feature stride s_l in input pixels.
    public let stride: Int
    /// Grid size H_l × W_l (the head output's spatial size on this level).
    public let height: Int
    public let width: Int
    /// Anchor side d_l = anchorScale · stride, in pixels.
    public let side: Float
    /// Flat anchor indices of this level, [levelStart_l, levelStart_l + H_l·W_l).
    public let range: Range<Int>
}

/// The anchors of one input size, flattened level-major then row-major (see the file header).
/// Build it once per run; every image of every network in a job shares it.
public struct AnchorLayout: Sendable {
    /// The knobs of the layout (recorded in the run config).
    public struct Config: Codable, Equatable, Sendable {
        /// The padded network input H × W.
        public var height: Int
        public var width: Int
        /// Strides of the pyramid levels, in pyramid order (P3, P4, P5).
        public var strides: [Int]
        /// Anchor side = anchorScale · stride (the reference uses 8 on COCO; colad's small images
        /// and 8–100 px objects use 4: sides 32, 64, 128 on 128 px inputs).
        public var anchorScale: Float
        /// Anchor centre of cell (i, j) = ((j + o)·s, (i + o)·s); 0 is the reference.
        public var centerOffset: Float

        /// A square S × S input.
        public init(inputSize: Int = 128, strides: [Int] = [8, 16, 32], anchorScale: Float = 4, centerOffset: Float = 0) {
            self.init(height: inputSize, width: inputSize, strides: strides, anchorScale: anchorScale, centerOffset: centerOffset)
        }

        public init(height: Int, width: Int, strides: [Int] = [8, 16, 32], anchorScale: Float = 4, centerOffset: Float = 0) {
            self.height = height
            self.width = width
            self.strides = strides
            self.anchorScale = anchorScale
            self.centerOffset = centerOffset
        }
    }

    public let config: Config
    /// Levels in flat order.
    public let levels: [AnchorLevel]
    /// All anchors, [A] in flat order.
    public let anchors: [BoxXYXY]
    /// The anchors as the assigner consumes them (anchors, level ranges, IoU sweep index).
    public let anchorSet: AnchorSet

    /// A, the anchors per image.
    public var count: Int { anchors.count }
    /// Each level's flat index interval, in level order.
    public var levelRanges: [Range<Int>] { levels.map(\.range) }

    public init(_ config: Config = Config()) {
        precondition(config.height > 0 && config.width > 0, "AnchorLayout: input size must be positive")
        precondition(!config.strides.isEmpty && config.strides.allSatisfy { $0 > 0 }, "AnchorLayout: strides must be positive")
        precondition(config.anchorScale > 0, "AnchorLayout: anchor scale must be positive")
        self.config = config
        var levels: [AnchorLevel] = []
        var anchors: [BoxXYXY] = []
        for s in config.strides {
            let rows = (config.height + s - 1) / s, columns = (config.width + s - 1) / s
            let side = config.anchorScale * Float(s)
            let start = anchors.count
            for i in 0..<rows {
                for j in 0..<columns {
                    let cx = (Float(j) + config.centerOffset) * Float(s)
                    let cy = (Float(i) + config.centerOffset) * Float(s)
                    anchors.append(BoxXYXY(x1: cx - side * 0.5, y1: cy - side * 0.5, x2: cx + side * 0.5, y2: cy + side * 0.5))
                }
            }
            levels.append(AnchorLevel(stride: s, height: rows, width: columns, side: side, range: start..<anchors.count))
        }
        self.levels = levels
        self.anchors = anchors
        self.anchorSet = AnchorSet(anchors: anchors, levelRanges: levels.map(\.range))
    }

    /// Level of flat anchor `a`.
    @inlinable public func level(ofAnchor a: Int) -> Int { anchorSet.level(ofAnchor: a) }

    /// Valid flags [A] of an image whose unpadded extent inside the input is `width` × `height`
    /// pixels: on each level, columns < ⌈width/s⌉ and rows < ⌈height/s⌉ (capped at the grid).
    public func validFlags(width: Int, height: Int) -> [Bool] {
        var flags = [Bool](repeating: false, count: count)
        for level in levels {
            let validW = min((max(width, 0) + level.stride - 1) / level.stride, level.width)
            let validH = min((max(height, 0) + level.stride - 1) / level.stride, level.height)
            for i in 0..<validH {
                let row = level.range.lowerBound + i * level.width
                for j in 0..<validW { flags[row + j] = true }
            }
        }
        return flags
    }

    /// Where anchor `a` of image `image` lives in a batch's head outputs: level l and row
    /// `image·H_l·W_l + (a − levelStart_l)` of the level's [N, H_l, W_l, ·] tensors.
    @inlinable
    public func address(image: Int, anchor a: Int) -> HeadAddress {
        let l = level(ofAnchor: a)
        let r = levels[l].range
        return HeadAddress(level: l, row: image * r.count + (a - r.lowerBound))
    }
}

extension AnchorLayout: Equatable {
    /// Layouts are equal when built from equal configs (the anchors follow from it).
    public static func == (lhs: AnchorLayout, rhs: AnchorLayout) -> Bool { lhs.config == rhs.config }
}

/// The layouts of one anchor configuration on the canvases a run meets (one for a square
/// input; one per distinct padded batch size with keep-ratio resizing), each built once: a
/// layout holds its anchors and IoU sweep index. Safe to share between threads.
public final class AnchorLayoutCache: @unchecked Sendable {
    /// Strides, scale and offset (its height and width are replaced by each canvas asked for).
    public let template: AnchorLayout.Config
    private var layouts: [Int: AnchorLayout] = [:]
    private let lock = NSLock()

    public init(_ template: AnchorLayout.Config) {
        self.template = template
    }

    /// The layout of an H × W canvas.
    public func layout(height: Int, width: Int) -> AnchorLayout {
        let key = height << 32 | width
        lock.lock(); defer { lock.unlock() }
        if let l = layouts[key] { return l }
        var c = template
        c.height = height; c.width = width
        let l = AnchorLayout(c)
        layouts[key] = l
        return l
    }

    /// Canvases built so far.
    public var count: Int { lock.lock(); defer { lock.unlock() }; return layouts.count }
}

/// A row of a batch's head outputs: `level` selects the tensors, `row` the position in their
/// flattened [N·H_l·W_l] leading dimensions.
public struct HeadAddress: Hashable, Sendable {
    public let level: Int
    public let row: Int

    @inlinable public init(level: Int, row: Int) {
        self.level = level
        self.row = row
    }
}

/// Anchors as the assigner sees them: the flat boxes, their level intervals (contiguous,
/// ascending, covering 0..<A) and the IoU sweep index. `AnchorLayout` builds one for its grid;
/// tests build hand-made ones (a handful of anchors, arbitrary boxes).
public struct AnchorSet: Sendable {
    /// [A] anchors in flat order.
    public let anchors: [BoxXYXY]
    /// Per level, its flat index interval.
    public let levelRanges: [Range<Int>]
    /// Built once, reused for every image's IoU matrix.
    public let sweepIndex: AnchorSweepIndex

    public var count: Int { anchors.count }

    public init(anchors: [BoxXYXY], levelRanges: [Range<Int>]) {
        var next = 0
        for r in levelRanges {
            precondition(r.lowerBound == next, "AnchorSet: level ranges must be contiguous from 0 (got \(levelRanges))")
            next = r.upperBound
        }
        precondition(next == anchors.count, "AnchorSet: level ranges cover \(next) anchors, have \(anchors.count)")
        self.anchors = anchors
        self.levelRanges = levelRanges
        self.sweepIndex = AnchorSweepIndex(anchors: anchors)
    }

    /// Level of flat anchor `a` (a scan over ≤ a handful of levels).
    @inlinable
    public func level(ofAnchor a: Int) -> Int {
        for (l, r) in levelRanges.enumerated() where a < r.upperBound {
            precondition(a >= r.lowerBound, "anchor \(a) outside 0..<\(count)")
            return l
        }
        preconditionFailure("anchor \(a) outside 0..<\(count)")
    }
}
