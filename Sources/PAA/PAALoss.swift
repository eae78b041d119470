// The losses of the PAA head (SPEC §4) and their gradients w.r.t. every head output.
//
// Batch → image → level → anchor. B images, A anchors per image, C classes, P = N_pos positives
// over the batch (from the assignments, i.e. the assigning network: SPEC §14).
//   cls  = w_cls · Σ_{b, valid a, c} FL(z_bac, onehot(label)_c) / max(P, B)          (α .25, γ 2)
//   u_i  = IoU(decode(a_i, δ_i), g_i)  (no gradient: a constant target / weight; eps 1e-6)
//   box  = .paa: w_box · Σ_i ω_i (1 − GIoU_i) / Σ_i ω_i,  ω_i = max(u_i, 1e-12)
//          .lad: w_box · Σ_i (1 − GIoU_i) / P                                           (w_box 1.3)
//   iou  = w_iou · Σ_i BCE(q_i, u_i) / P                                                (w_iou 0.5)
//   P = 0 ⇒ box = iou = 0 (and their gradients 0).
// Backward: ∂cls/∂z from the focal primitive; ∂box/∂δ_i = decodeBackward(giouBackward(·, upstream
// = w_box·ω_i/Σω or w_box/P)); ∂iou/∂q_i = w_iou·(σ(q_i) − u_i)/P. Invalid anchors get no loss
// and no gradient (label weight 0); non-positive anchors get no reg/iou gradient.
// Everything is evaluated in Double from the Float outputs (values and gradients agree with a
// float64 reference to ~1e-7 relative) and gradients are stored as Float.
//
// Σ ω_i instead of Σ u_i as the .paa denominator: mmdet divides by Σ u_i while weighting by
// max(u_i, 1e-12); the two differ by at most P·1e-12, but Σ ω_i stays > 0 when every positive's
// decoded box misses its object (mmdet 2.10 would divide by zero there).

import Detection
import Engine
import Models

/// Settings of the PAA head losses; defaults are the reference values (SPEC §4).
public struct PAALossConfig: Codable, Equatable, Sendable {
    /// Box-loss flavour.
    public enum Variant: String, Codable, Sendable {
        /// PAA baseline: GIoU loss weighted by the IoU target, normalised by Σ u.
        case paa
        /// LAD / CoLAD (`loss_wo_la`): unweighted GIoU loss normalised by N_pos.
        case lad
    }

    public var variant: Variant
    public var clsWeight: Double
    public var boxWeight: Double
    public var iouWeight: Double
    public var focalAlpha: Double
    public var focalGamma: Double

    public init(variant: Variant = .paa, clsWeight: Double = 1, boxWeight: Double = 1.3, iouWeight: Double = 0.5,
                focalAlpha: Double = FocalDefaults.alpha, focalGamma: Double = FocalDefaults.gamma) {
        self.variant = variant
        self.clsWeight = clsWeight
        self.boxWeight = boxWeight
        self.iouWeight = iouWeight
        self.focalAlpha = focalAlpha
        self.focalGamma = focalGamma
    }
}

/// Loss parts of one batch and the gradient of `total` w.r.t. the head outputs.
public struct PAALossResult {
    public var cls: Double
    public var box: Double
    public var iou: Double
    /// cls + box + iou.
    public var total: Double { cls + box + iou }
    /// N_pos, the positives of the batch (from the assignments).
    public var numPositives: Int
    /// u_i per positive (images ascending, then anchors ascending): the IoU-branch targets,
    /// also the mean-IoU-of-positives statistic.
    public var iouTargets: [Double]
    /// ∂total/∂outputs, same shapes as the outputs (zeros where no gradient flows).
    public var gradients: HeadOutputs
}

/// The batch-level normalisers of the losses, as sums that data-parallel ranks add up.
public struct LossNormalizers: Equatable, Sendable {
    public var positives: Double
    public var images: Double
    /// Σ of the box-loss weights (Σ u for PAA, N_pos for LAD).
    public var boxWeight: Double
    public init(positives: Double, images: Double, boxWeight: Double) {
        self.positives = positives; self.images = images; self.boxWeight = boxWeight
    }
    public var array: [Double] { [positives, images, boxWeight] }
    public init(_ a: [Double]) { self.init(positives: a[0], images: a[1], boxWeight: a[2]) }
}

/// The PAA head's training losses over one batch (see the file header).
public struct PAALoss: Sendable {
    public let layout: AnchorLayout
    public let config: PAALossConfig

    public init(layout: AnchorLayout, config: PAALossConfig = .init()) {
        self.layout = layout
        self.config = config
    }

    /// Loss parts and gradients. `assignments[b]` and `groundTruth[b]` belong to image b of
    /// `outputs`; positives index `groundTruth[b]`'s objects.
    public func callAsFunction(_ outputs: HeadOutputs, assignments: [Assignment], groundTruth: [ObjectTargets]) -> PAALossResult {
        compute(outputs, assignments: assignments, groundTruth: groundTruth, fixedIoUTargets: nil)
    }

    /// The loss of this rank's share of a global batch split over data-parallel ranks: every
    /// normaliser is the global one (`normalizers` = the element-wise sum over ranks of
    /// `normalizerSums`), so the ranks' losses and gradients add up to the loss of the whole
    /// batch in one process (up to summation order).
    public func callAsFunction(_ outputs: HeadOutputs, assignments: [Assignment], groundTruth: [ObjectTargets],
                               normalizers: LossNormalizers) -> PAALossResult {
        compute(outputs, assignments: assignments, groundTruth: groundTruth, fixedIoUTargets: nil, normalizers: normalizers)
    }

    /// This rank's contribution to the batch normalisers: N_pos, images, Σ box weights
    /// (Σ u over positives for the PAA variant, N_pos for LAD).
    public func normalizerSums(_ outputs: HeadOutputs, assignments: [Assignment], groundTruth: [ObjectTargets]) -> LossNormalizers {
        var n = LossNormalizers(positives: 0, images: Double(outputs.batchSize), boxWeight: 0)
        for (b, assignment) in assignments.enumerated() {
            for p in assignment.positives {
                n.positives += 1
                if config.variant == .paa {
                    let address = layout.address(image: b, anchor: p.anchor)
                    let box = DeltaXYWHCoder.decode(anchor: XYXYBox<Double>(layout.anchors[p.anchor]), delta: DeltaXYWH<Double>(outputs.delta(at: address)))
                    n.boxWeight += max(iou(box, XYXYBox<Double>(groundTruth[b].boxes[p.object])), 1e-12)
                } else {
                    n.boxWeight += 1
                }
            }
        }
        return n
    }

    /// The loss with, optionally, the IoU targets u_i given (in positive order: images
    /// ascending, anchors ascending) instead of computed. Finite-difference tests hold u fixed
    /// this way, as autograd does by detaching it.
    func compute(_ outputs: HeadOutputs, assignments: [Assignment], groundTruth: [ObjectTargets],
                 fixedIoUTargets: [Double]?, normalizers: LossNormalizers? = nil) -> PAALossResult {
        outputs.checkShapes(layout: layout)
        let batch = outputs.batchSize
        precondition(assignments.count == batch && groundTruth.count == batch,
                     "PAALoss: \(batch) images, \(assignments.count) assignments, \(groundTruth.count) ground truths")
        var grads = HeadOutputs.zeros(like: outputs)
        let numPositives = assignments.reduce(0) { $0 + $1.numPositives }
        guard batch > 0 else { return PAALossResult(cls: 0, box: 0, iou: 0, numPositives: 0, iouTargets: [], gradients: grads) }
        for (b, assignment) in assignments.enumerated() {
            precondition(assignment.anchors.count == layout.count, "PAALoss: assignment \(b) has \(assignment.anchors.count) anchors, layout \(layout.count)")
        }

        let clsNorm = normalizers.map { max($0.positives, $0.images) } ?? Double(max(numPositives, batch))
        let cls = classificationLoss(outputs, assignments, groundTruth, normalizer: clsNorm, into: &grads)
        guard numPositives > 0 else { return PAALossResult(cls: cls, box: 0, iou: 0, numPositives: 0, iouTargets: [], gradients: grads) }

        // Positives of the batch: decode, IoU target, GIoU.   [P]
        struct Positive {
            var address: HeadAddress
            var anchor: XYXYBox<Double>, delta: DeltaXYWH<Double>   // the decode's inputs
            var box: XYXYBox<Double>, target: XYXYBox<Double>       // decoded box, its GT box
            var u: Double, giou: Double
        }
        var positives: [Positive] = []
        positives.reserveCapacity(numPositives)
        for (b, assignment) in assignments.enumerated() {
            for p in assignment.positives {
                precondition(p.object >= 0 && p.object < groundTruth[b].count, "PAALoss: image \(b) positive of object \(p.object), has \(groundTruth[b].count)")
                let address = layout.address(image: b, anchor: p.anchor)
                let anchor = XYXYBox<Double>(layout.anchors[p.anchor])
                let delta = DeltaXYWH<Double>(outputs.delta(at: address))
                let box = DeltaXYWHCoder.decode(anchor: anchor, delta: delta)
                let target = XYXYBox<Double>(groundTruth[b].boxes[p.object])
                positives.append(Positive(address: address, anchor: anchor, delta: delta, box: box, target: target,
                                          u: fixedIoUTargets?[positives.count] ?? iou(box, target), giou: giou(box, target)))
            }
        }
        let p = normalizers?.positives ?? Double(numPositives)

        // Box loss.
        var weights = [Double](repeating: 1, count: positives.count), norm = p
        if config.variant == .paa {
            weights = positives.map { max($0.u, 1e-12) }
            norm = weights.reduce(0, +)
        }
        if let normalizers { norm = normalizers.boxWeight }
        var boxSum = 0.0
        for (i, q) in positives.enumerated() {
            boxSum += weights[i] * (1 - q.giou)
            let dBox = giouBackward(q.box, q.target, upstream: config.boxWeight * weights[i] / norm)
            let dDelta = DeltaXYWHCoder.decodeBackward(anchor: q.anchor, delta: q.delta, dBox: dBox)
            grads.addToDelta(BoxDelta(dDelta), at: q.address)
        }

        // IoU-prediction loss (BCE against the detached IoU target).
        var iouSum = 0.0
        for q in positives {
            let (loss, dLogit) = bceWithLogits(logit: Double(outputs.iouLogit(at: q.address)), target: q.u)
            iouSum += loss
            grads.addToIoU(Float(config.iouWeight * dLogit / p), at: q.address)
        }
        return PAALossResult(cls: cls, box: config.boxWeight * boxSum / norm, iou: config.iouWeight * iouSum / p,
                             numPositives: numPositives, iouTargets: positives.map(\.u), gradients: grads)
    }

    /// Focal loss over every valid anchor × class, / max(N_pos, B); writes ∂/∂z into `grads`.
    private func classificationLoss(_ outputs: HeadOutputs, _ assignments: [Assignment], _ groundTruth: [ObjectTargets],
                                    normalizer: Double, into grads: inout HeadOutputs) -> Double {
        let batch = outputs.batchSize, classes = outputs.numClasses
        let scale = config.clsWeight / normalizer
        let alpha = config.focalAlpha, gamma = config.focalGamma
        var sum = 0.0
        for (l, level) in layout.levels.enumerated() {
            let n = level.range.count
            outputs.cls[l].withPointer { z in
                grads.cls[l].withMutablePointer { dz in
                    for b in 0..<batch {
                        let states = assignments[b].anchors, labels = groundTruth[b].labels
                        for local in 0..<n {
                            let target: Int
                            switch states[level.range.lowerBound + local] {
                            case .invalid: continue
                            case .background: target = -1
                            case .foreground(let g):
                                target = labels[g]
                                precondition(target >= 0 && target < classes, "PAALoss: label \(target) outside 0..<\(classes)")
                            }
                            let row = (b * n + local) * classes
                            for c in 0..<classes {
                                let (loss, d) = sigmoidFocalLoss(logit: Double(z[row + c]), isPositive: c == target,
                                                                 alpha: alpha, gamma: gamma)
                                sum += loss
                                dz[row + c] = Float(d * scale)
                            }
                        }
                    }
                }
            }
        }
        return sum * scale
    }
}
