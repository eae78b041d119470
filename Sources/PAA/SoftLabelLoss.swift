// Soft-label knowledge distillation (SPEC §8, mmdet PAA_KD_Head + KnowledgeDistiller): the
// student mimics a frozen teacher's outputs with the focal-KL loss.
//   R  = valid anchors whose teacher box (decoded, clipped to the image) has IoU > min_iou with
//        some GT;  ω_a = max_g IoU(teacher box_a, g);  Z = max(1, Σ_{a∈R} ω_a) over the batch.
//   L_cls = λ_cls · Σ_{all anchors, all classes} ℓ(z_ac, σ(z^T_ac)) / Z     (dense, unweighted)
//   L_iou = λ_iou · Σ_{a∈R} ℓ(q_a, σ(q^T_a)) / Z
//   L_box = λ_box · Σ_{a∈R} max(ω_a, 1e-12)·(1 − GIoU(student box_a, teacher box_a)) / Z
// with ℓ the focal-KL of `Detection.focalKL` (γ = 0.5). Both boxes are decoded and clipped.
// Only the student receives gradients; R, ω and Z depend on the teacher and GT alone.
import Detection
import Engine
import Foundation
import Models

public struct SoftLabelLossConfig: Equatable, Sendable {
    public var clsWeight: Double
    public var iouWeight: Double
    public var boxWeight: Double
    public var gamma: Double
    public var minIoU: Double

    /// Defaults: pure soft-label (λ_cls 10, min_iou 0.1); SoLAD uses λ_cls 2, min_iou 0.5.
    public init(clsWeight: Double = 10, iouWeight: Double = 10, boxWeight: Double = 1.3, gamma: Double = 0.5, minIoU: Double = 0.1) {
        self.clsWeight = clsWeight; self.iouWeight = iouWeight; self.boxWeight = boxWeight
        self.gamma = gamma; self.minIoU = minIoU
    }
}

public struct SoftLabelLossResult {
    public var cls: Double
    public var iou: Double
    public var box: Double
    public var total: Double { cls + iou + box }
    /// |R| over the batch and the normaliser Z.
    public var regionSize: Int
    public var normalizer: Double
    /// ∂total/∂(student head outputs).
    public var gradients: HeadOutputs
}

public struct SoftLabelLoss: Sendable {
    public let layout: AnchorLayout
    public let config: SoftLabelLossConfig

    public init(layout: AnchorLayout, config: SoftLabelLossConfig = .init()) {
        self.layout = layout; self.config = config
    }

    /// `imageSizes[b]` is image b's unpadded (resized) extent, for clipping and valid flags.
    public func callAsFunction(student: HeadOutputs, teacher: HeadOutputs, groundTruth: [ObjectTargets],
                               valid: [[Bool]], imageSizes: [(width: Float, height: Float)],
                               normalizer: Double? = nil) -> SoftLabelLossResult {
        let n = student.batchSize, c = student.numClasses, a = layout.count
        precondition(teacher.batchSize == n && teacher.numClasses == c && groundTruth.count == n && valid.count == n
                     && imageSizes.count == n, "SoftLabelLoss: batch shapes disagree")
        let gamma = config.gamma
        let r = self.region(teacher: teacher, groundTruth: groundTruth, valid: valid, imageSizes: imageSizes)
        let region = r.region
        var z = normalizer ?? r.sum
        z = max(z, 1)
        var grads = HeadOutputs.zeros(like: student)
        var lCls = 0.0, lIoU = 0.0, lBox = 0.0
        let (wc, wi, wb) = (config.clsWeight / z, config.iouWeight / z, config.boxWeight / z)
        for b in 0..<n {
            // Classification: every anchor (valid or not), every class.
            for j in 0..<a {
                let addr = layout.address(image: b, anchor: j)
                let zs = student.clsLogits(at: addr), zt = teacher.clsLogits(at: addr)
                for k in 0..<c {
                    let t = sigmoid(Double(zt[zt.startIndex + k]))
                    let r = focalKL(logit: Double(zs[zs.startIndex + k]), teacherProbability: t, gamma: gamma)
                    lCls += r.loss
                    grads.addToCls(Float(wc * r.dLogit), at: addr, classIndex: k)
                }
            }
            let size = (width: Double(imageSizes[b].width), height: Double(imageSizes[b].height))
            for (j, w, tb) in region[b] {
                let addr = layout.address(image: b, anchor: j)
                let r = focalKL(logit: Double(student.iouLogit(at: addr)), teacherProbability: sigmoid(Double(teacher.iouLogit(at: addr))), gamma: gamma)
                lIoU += r.loss
                grads.addToIoU(Float(wi * r.dLogit), at: addr)
                let anchor = double(layout.anchors[j]), delta = double(student.delta(at: addr))
                let sb = DeltaXYWHCoder.decode(anchor: anchor, delta: delta, clipTo: size)
                let weight = max(w, 1e-12)
                lBox += weight * (1 - giou(sb, tb))
                let dBox = giouBackward(sb, tb, upstream: wb * weight)
                let d = DeltaXYWHCoder.decodeBackward(anchor: anchor, delta: delta, dBox: dBox, clipTo: size)
                grads.addToDelta(BoxDelta(dx: Float(d.dx), dy: Float(d.dy), dw: Float(d.dw), dh: Float(d.dh)), at: addr)
            }
        }
        return SoftLabelLossResult(cls: config.clsWeight * lCls / z, iou: config.iouWeight * lIoU / z, box: config.boxWeight * lBox / z,
                                   regionSize: region.map(\.count).reduce(0, +), normalizer: z, gradients: grads)
    }

    /// Σ ω over this rank's region R (teacher and GT only): data-parallel ranks add theirs and
    /// pass max(1, total) as `normalizer`, so the ranks' losses add up to the whole batch's.
    public func regionWeightSum(teacher: HeadOutputs, groundTruth: [ObjectTargets], valid: [[Bool]],
                                imageSizes: [(width: Float, height: Float)]) -> Double {
        region(teacher: teacher, groundTruth: groundTruth, valid: valid, imageSizes: imageSizes).sum
    }

    /// Region R per image (anchor, ω, teacher box) and Σ ω.
    func region(teacher: HeadOutputs, groundTruth: [ObjectTargets], valid: [[Bool]], imageSizes: [(width: Float, height: Float)])
        -> (region: [[(anchor: Int, weight: Double, teacherBox: XYXYBox<Double>)]], sum: Double) {
        let n = teacher.batchSize, a = layout.count
        var region: [[(anchor: Int, weight: Double, teacherBox: XYXYBox<Double>)]] = Array(repeating: [], count: n)
        var z = 0.0
        for b in 0..<n {
            let size = (width: Double(imageSizes[b].width), height: Double(imageSizes[b].height))
            for j in 0..<a where valid[b][j] {
                let addr = layout.address(image: b, anchor: j)
                let tb = DeltaXYWHCoder.decode(anchor: double(layout.anchors[j]), delta: double(teacher.delta(at: addr)), clipTo: size)
                var w = 0.0
                for g in groundTruth[b].boxes { w = max(w, iou(tb, double(g))) }
                if w > config.minIoU { region[b].append((j, w, tb)); z += w }
            }
        }
        return (region, z)
    }

}

@inline(__always) func double(_ b: BoxXYXY) -> XYXYBox<Double> {
    XYXYBox(x1: Double(b.x1), y1: Double(b.y1), x2: Double(b.x2), y2: Double(b.y2))
}
@inline(__always) func double(_ d: BoxDelta) -> DeltaXYWH<Double> {
    DeltaXYWH(dx: Double(d.dx), dy: Double(d.dy), dw: Double(d.dw), dh: Double(d.dh))
}
@inline(__always) func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + (-x).exp()) : x.exp() / (1 + x.exp()) }

private extension Double {
    func exp() -> Double { Foundation.exp(self) }
}

extension HeadOutputs {
    /// Elementwise `self += other` (same shapes): sums the gradients of two losses.
    public mutating func add(_ other: HeadOutputs) {
        for l in cls.indices { addInPlace(&cls[l], other.cls[l]); addInPlace(&reg[l], other.reg[l]); addInPlace(&iou[l], other.iou[l]) }
    }
}
