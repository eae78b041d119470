// The losses and backward of one trained network for one iteration, in every mode: hard-label
// PAA/LAD losses on the assignment, soft-label (focal-KL) losses against the teacher's outputs,
// or both (SPEC §4, §8). The single-process trainer and the distributed worker both call this,
// so they share every line of loss math. With data-parallel ranks, `reduce` sums the batch
// normalisers over the group first, so the ranks' losses and gradients add up to the loss of
// the whole global batch.
import Config
import Detection
import Models
import PAA

public struct LossStep {
    public let mode: Mode
    public let loss: PAALoss
    public let softLoss: SoftLabelLoss

    public init(config: TrainingConfig, layout: AnchorLayout) {
        mode = config.mode
        loss = PAALoss(layout: layout, config: PAALossConfig(variant: config.loss.variant == .paa ? .paa : .lad))
        let kd = config.loss.kd
        softLoss = SoftLabelLoss(layout: layout, config: SoftLabelLossConfig(clsWeight: kd.clsWeight, iouWeight: kd.iouWeight,
                                                                            boxWeight: kd.boxWeight, gamma: kd.gamma, minIoU: kd.minIoU))
    }

    /// Whether network `id` learns from the teacher's outputs (soft, solad: the student B).
    public func usesTeacherOutputs(_ id: NetworkID) -> Bool { mode.distillsSoftLabels && id == .b }

    /// Losses of `student` on this iteration, then backward into its zeroed gradient buffer.
    /// Returns the record and the named parts (for the NaN guard). `reduce` nil = one process.
    public func run(_ student: NetworkWorker, teacher: HeadOutputs?, assignments: [Assignment], targets: BatchTargets,
                    reduce: (([Double]) throws -> [Double])? = nil) throws -> (NetworkRecord, [(String, Double)]) {
        let imageSizes = targets.imageSizes
        guard let outputs = student.outputs else { preconditionFailure("LossStep: \(student.id) has no outputs") }
        var record = NetworkRecord(cls: 0, box: 0, iou: 0, numPositives: 0, lr: 0)
        var parts: [(String, Double)] = []
        let soft = usesTeacherOutputs(student.id)
        let hard = !soft || mode == .solad
        // Global normalisers (one small all-reduce of both losses' sums).
        var hardNorm: LossNormalizers?, softNorm: Double?
        if let reduce {
            var local: [Double] = []
            if hard { local += loss.normalizerSums(outputs, assignments: assignments, groundTruth: targets.targets).array }
            if soft, let teacher {
                local.append(softLoss.regionWeightSum(teacher: teacher, groundTruth: targets.targets, valid: targets.valid, imageSizes: imageSizes))
            }
            let global = try reduce(local)
            if hard { hardNorm = LossNormalizers(Array(global[0..<3])) }
            if soft { softNorm = global.last! }
        }
        var grads: HeadOutputs?
        if soft {
            guard let teacher else { preconditionFailure("LossStep: \(mode.rawValue) needs the teacher's outputs") }
            let kd = softLoss(student: outputs, teacher: teacher, groundTruth: targets.targets, valid: targets.valid,
                              imageSizes: imageSizes, normalizer: softNorm)
            grads = kd.gradients
            parts += [("kd_cls", kd.cls), ("kd_iou", kd.iou), ("kd_box", kd.box)]
            record.kd = KDParts(cls: kd.cls, iou: kd.iou, box: kd.box)
        }
        if hard {
            let r = hardNorm.map { loss(outputs, assignments: assignments, groundTruth: targets.targets, normalizers: $0) }
                ?? loss(outputs, assignments: assignments, groundTruth: targets.targets)
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
