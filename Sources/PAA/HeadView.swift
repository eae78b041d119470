// Anchor-flat access to a batch's head outputs, without copying.
//
// Batch → image → level → anchor: `HeadOutputs` holds per level l the NHWC tensors
//   cls [N, H_l, W_l, C] logits,  reg [N, H_l, W_l, 4] deltas (× scale_l),  iou [N, H_l, W_l, 1] logits.
// Anchor a of image b is row r = b·H_l·W_l + (a − levelStart_l) of level l = level(a)
// (`AnchorLayout.address`), so its class logits are cls_l[r·C ..< r·C + C], its delta
// reg_l[r·4 ..< r·4 + 4] and its IoU logit iou_l[r]. `ImagePredictions` keeps references to the
// level tensors' storage (copy-on-write arrays: no element is copied) plus one offset per level.
// Gradients are written into a zero `HeadOutputs` of the same shapes through the same addresses.

import Detection
import Engine
import Models

extension HeadOutputs {
    /// N, the images in the batch (0 when there are no levels).
    public var batchSize: Int { cls.first?.shape[0] ?? 0 }
    /// C, the classes (0 when there are no levels).
    public var numClasses: Int { cls.first?.shape[3] ?? 0 }

    /// Checks every level's shapes against `layout` ([N, H_l, W_l, C|4|1], one N and one C).
    public func checkShapes(layout: AnchorLayout) {
        precondition(cls.count == layout.levels.count && reg.count == cls.count && iou.count == cls.count,
                     "HeadOutputs: \(cls.count)/\(reg.count)/\(iou.count) levels, layout has \(layout.levels.count)")
        let (n, c) = (batchSize, numClasses)
        for (l, level) in layout.levels.enumerated() {
            let hw = [level.height, level.width]
            precondition(cls[l].shape == [n] + hw + [c], "HeadOutputs: cls level \(l) has shape \(cls[l].shape), expected \([n] + hw + [c])")
            precondition(reg[l].shape == [n] + hw + [4], "HeadOutputs: reg level \(l) has shape \(reg[l].shape), expected \([n] + hw + [4])")
            precondition(iou[l].shape == [n] + hw + [1], "HeadOutputs: iou level \(l) has shape \(iou[l].shape), expected \([n] + hw + [1])")
        }
    }

    /// Zeros with the shapes of `other` (a gradient buffer).
    public static func zeros(like other: HeadOutputs) -> HeadOutputs {
        HeadOutputs(cls: other.cls.map { Tensor(shape: $0.shape) },
                    reg: other.reg.map { Tensor(shape: $0.shape) },
                    iou: other.iou.map { Tensor(shape: $0.shape) })
    }

    /// Builds head outputs from per-image, anchor-flat arrays (tests, fixtures):
    /// `cls[b]` is [A·C] (anchor-major), `deltas[b]` [A], `iou[b]` [A].
    public static func fromFlat(layout: AnchorLayout, numClasses c: Int,
                                cls: [[Float]], deltas: [[BoxDelta]], iou: [[Float]]) -> HeadOutputs {
        let n = cls.count
        precondition(deltas.count == n && iou.count == n, "fromFlat: per-image arrays disagree on N")
        var out = HeadOutputs(cls: [], reg: [], iou: [])
        for level in layout.levels {
            let hw = level.range.count
            var lc = [Float](), lr = [Float](), li = [Float]()
            lc.reserveCapacity(n * hw * c); lr.reserveCapacity(n * hw * 4); li.reserveCapacity(n * hw)
            for b in 0..<n {
                precondition(cls[b].count == layout.count * c && deltas[b].count == layout.count && iou[b].count == layout.count,
                             "fromFlat: image \(b) arrays do not match A = \(layout.count), C = \(c)")
                lc += cls[b][(level.range.lowerBound * c)..<(level.range.upperBound * c)]
                for d in deltas[b][level.range] { lr += [d.dx, d.dy, d.dw, d.dh] }
                li += iou[b][level.range]
            }
            out.cls.append(Tensor(shape: [n, level.height, level.width, c], data: lc))
            out.reg.append(Tensor(shape: [n, level.height, level.width, 4], data: lr))
            out.iou.append(Tensor(shape: [n, level.height, level.width, 1], data: li))
        }
        return out
    }

    /// The C class logits at `address` (a slice of the level tensor's storage; no copy).
    @inlinable public func clsLogits(at address: HeadAddress) -> ArraySlice<Float> {
        let c = cls[address.level].shape[3]
        return cls[address.level].data[(address.row * c)..<(address.row * c + c)]
    }

    /// The regression delta at `address`.
    @inlinable public func delta(at address: HeadAddress) -> BoxDelta {
        let d = reg[address.level].data, i = address.row * 4
        return BoxDelta(dx: d[i], dy: d[i + 1], dw: d[i + 2], dh: d[i + 3])
    }

    /// The IoU logit at `address`.
    @inlinable public func iouLogit(at address: HeadAddress) -> Float { iou[address.level].data[address.row] }

    /// cls[address, classIndex] += g.
    @inlinable public mutating func addToCls(_ g: Float, at address: HeadAddress, classIndex: Int) {
        let c = cls[address.level].shape[3]
        cls[address.level].data[address.row * c + classIndex] += g
    }

    /// reg[address, 0..<4] += g (in dx, dy, dw, dh order).
    @inlinable public mutating func addToDelta(_ g: BoxDelta, at address: HeadAddress) {
        let i = address.row * 4
        reg[address.level].data[i] += g.dx
        reg[address.level].data[i + 1] += g.dy
        reg[address.level].data[i + 2] += g.dw
        reg[address.level].data[i + 3] += g.dh
    }

    /// iou[address] += g.
    @inlinable public mutating func addToIoU(_ g: Float, at address: HeadAddress) {
        iou[address.level].data[address.row] += g
    }
}

/// One image's per-anchor predictions, read by flat anchor index: what the assigner's anchor
/// cost needs (class logits and deltas; the IoU logit for completeness). A view: it shares the
/// storage of the tensors it came from.
public struct ImagePredictions: Sendable {
    /// A, anchors of the image.
    public let anchorCount: Int
    /// C, logits per anchor.
    public let numClasses: Int
    @usableFromInline let segments: [Segment]

    /// A contiguous run of anchors stored in one set of arrays: anchor a sits at row a + offset.
    @usableFromInline
    struct Segment: Sendable {
        @usableFromInline let anchors: Range<Int>
        @usableFromInline let offset: Int
        @usableFromInline let cls: [Float]
        @usableFromInline let reg: [Float]
        @usableFromInline let iou: [Float]
    }

    /// Image `image` of a batch's head outputs (shapes checked against `layout`).
    public init(_ outputs: HeadOutputs, layout: AnchorLayout, image: Int) {
        outputs.checkShapes(layout: layout)
        precondition(image >= 0 && image < outputs.batchSize, "ImagePredictions: image \(image) outside 0..<\(outputs.batchSize)")
        anchorCount = layout.count
        numClasses = outputs.numClasses
        segments = layout.levels.enumerated().map { l, level in
            Segment(anchors: level.range, offset: image * level.range.count - level.range.lowerBound,
                    cls: outputs.cls[l].data, reg: outputs.reg[l].data, iou: outputs.iou[l].data)
        }
    }

    /// Predictions from anchor-flat arrays: `clsLogits` [A·C] anchor-major, `deltas` [A],
    /// `iouLogits` [A] (zeros when omitted). For hand-built scenes and tests.
    public init(numClasses: Int, clsLogits: [Float], deltas: [BoxDelta], iouLogits: [Float]? = nil) {
        let a = deltas.count
        precondition(clsLogits.count == a * numClasses, "ImagePredictions: \(clsLogits.count) logits for \(a) anchors × \(numClasses) classes")
        precondition(iouLogits.map { $0.count == a } ?? true, "ImagePredictions: IoU logits must be [A]")
        anchorCount = a
        self.numClasses = numClasses
        segments = [Segment(anchors: 0..<a, offset: 0, cls: clsLogits,
                            reg: deltas.flatMap { [$0.dx, $0.dy, $0.dw, $0.dh] },
                            iou: iouLogits ?? [Float](repeating: 0, count: a))]
    }

    @inlinable func locate(_ a: Int) -> (segment: Int, row: Int) {
        for (k, s) in segments.enumerated() where s.anchors.contains(a) { return (k, a + s.offset) }
        preconditionFailure("ImagePredictions: anchor \(a) outside 0..<\(anchorCount)")
    }

    /// The C class logits of anchor `a` (a slice of shared storage).
    @inlinable public func clsLogits(anchor a: Int) -> ArraySlice<Float> {
        let (k, r) = locate(a)
        return segments[k].cls[(r * numClasses)..<(r * numClasses + numClasses)]
    }

    /// The regression delta of anchor `a`.
    @inlinable public func delta(anchor a: Int) -> BoxDelta {
        let (k, r) = locate(a)
        let d = segments[k].reg, i = r * 4
        return BoxDelta(dx: d[i], dy: d[i + 1], dw: d[i + 2], dh: d[i + 3])
    }

    /// The IoU logit of anchor `a`.
    @inlinable public func iouLogit(anchor a: Int) -> Float {
        let (k, r) = locate(a)
        return segments[k].iou[r]
    }
}
