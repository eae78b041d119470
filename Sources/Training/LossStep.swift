// The losses and backward of one trained network for one iteration: hard-label PAA/LAD losses
// on an assignment, soft-label (focal-KL) losses against a teacher's outputs, or both (SPEC §4,
// §8) — which ones is the mode plan's decision, made by the replica. With data-parallel
// replicas the batch normalisers are summed over the group first, so the replicas' losses and
// gradients add up to the loss of the whole global batch.
import Config
import Detection
import Models
import PAA

public struct LossStep {
    public let loss: PAALoss
    public let softLoss: SoftLabelLoss

    public init(config: TrainingConfig, layout: AnchorLayout) {
        loss = PAALoss(layout: layout, config: PAALossConfig(variant: config.loss.variant == .paa ? .paa : .lad))
        let kd = config.loss.kd
        softLoss = SoftLabelLoss(layout: layout, config: SoftLabelLossConfig(clsWeight: kd.clsWeight, iouWeight: kd.iouWeight,
                                                                            boxWeight: kd.boxWeight, gamma: kd.gamma, minIoU: kd.minIoU))
    }

    /// Losses of `student` on `labels` (hard) and/or against `teacher`'s outputs (soft), then
    /// backward into its zeroed gradient buffer. Returns the record and the named parts (for the
    /// NaN guard). `group` nil: the batch is the whole batch.
    public func run(_ student: NetworkWorker, labels: [Assignment]?, teacher: HeadOutputs?, targets: BatchTargets,
                    group: GroupReducer? = nil) throws -> (NetworkRecord, [(String, Double)]) {
        precondition(labels != nil || teacher != nil, "LossStep: neither labels nor a teacher")
        let imageSizes = targets.imageSizes
        guard let outputs = student.outputs else { preconditionFailure("LossStep: \(student.id) has no outputs") }
        var record = NetworkRecord()
        var parts: [(String, Double)] = []
        // Global normalisers (one small all-reduce of both losses' sums).
        var hardNorm: LossNormalizers?, softNorm: Double?
        if let group {
            var local: [Double] = []
            if let labels { local += loss.normalizerSums(outputs, assignments: labels, groundTruth: targets.targets).array }
            if let teacher {
                local.append(softLoss.regionWeightSum(teacher: teacher, groundTruth: targets.targets, valid: targets.valid, imageSizes: imageSizes))
            }
            let global = try group.sum(local)
            if labels != nil { hardNorm = LossNormalizers(Array(global[0..<3])) }
            if teacher != nil { softNorm = global.last! }
        }
        var grads: HeadOutputs?
        if let teacher {
            let kd = softLoss(student: outputs, teacher: teacher, groundTruth: targets.targets, valid: targets.valid,
                              imageSizes: imageSizes, normalizer: softNorm)
            grads = kd.gradients
            parts += [("kd_cls", kd.cls), ("kd_iou", kd.iou), ("kd_box", kd.box)]
            record.kd = KDParts(cls: kd.cls, iou: kd.iou, box: kd.box)
        }
        if let labels {
            let r = hardNorm.map { loss(outputs, assignments: labels, groundTruth: targets.targets, normalizers: $0) }
                ?? loss(outputs, assignments: labels, groundTruth: targets.targets)
            if grads == nil { grads = r.gradients } else { grads!.add(r.gradients) }
            parts += [("cls", r.cls), ("box", r.box), ("iou", r.iou)]
            (record.cls, record.box, record.iou, record.numPositives) = (r.cls, r.box, r.iou, r.numPositives)
        }
        student.backward(grads!)
        return (record, parts)
    }

    /// The NaN/inf guard on a network's loss parts: names the iteration, the network and the part.
    public static func requireFinite(_ parts: [(String, Double)], iteration: Int, network: String, checkpoints: String) throws {
        for (part, v) in parts where !v.isFinite {
            throw TrainingError("iteration \(iteration): network \(network) loss \(part) is \(v)",
                                hint: "training diverged; the last checkpoint in \(checkpoints) is intact — lower train.lr or set train.clip_grad_norm and resume")
        }
    }
}
