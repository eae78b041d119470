extension TrainingConfig {
    /// The whole configuration with every default filled in, as YAML, in `Schema` key order.
    /// Written to the work dir; `parse(yaml:)` of this text gives back an equal config.
    public func resolvedYAML() -> String {
        var w = YAMLWriter()
        w.comment("colad resolved configuration: every key with the value in effect (defaults filled in).")
        w.comment("Loading this file gives the same configuration; see configs/README.md for each key.")
        w.key("name", name)
        w.key("seed", seed)
        w.key("mode", mode)
        w.network("network_a", networkA)
        if let networkB { w.network("network_b", networkB) } else { w.key("network_b", nil as Int?) }

        w.section("anchors")
        w.key("strides", anchors.strides)
        w.key("scale", anchors.scale)
        w.key("center_offset", anchors.centerOffset)
        w.end()

        w.section("data")
        w.key("dataset", data.dataset)
        w.key("train_size", data.trainSize)
        w.key("val_size", data.valSize)
        w.key("seed", data.seed)
        w.key("image_size", data.imageSize)
        w.key("train_annotations", data.trainAnnotations)
        w.key("train_images", data.trainImages)
        w.key("val_annotations", data.valAnnotations)
        w.key("val_images", data.valImages)
        w.key("flip", data.flip)
        w.key("skip_invalid", data.skipInvalid)
        w.end()

        w.section("train")
        w.key("batch_size", train.batchSize)
        w.key("iterations", train.iterations)
        w.key("lr", train.lr)
        w.key("momentum", train.momentum)
        w.key("weight_decay", train.weightDecay)
        w.key("warmup_iters", train.warmupIters)
        w.key("warmup_ratio", train.warmupRatio)
        w.key("lr_steps", train.lrSteps)
        w.key("lr_gamma", train.lrGamma)
        w.key("clip_grad_norm", train.clipGradNorm)
        w.key("log_every", train.logEvery)
        w.key("eval_every", train.evalEvery)
        w.key("checkpoint_every", train.checkpointEvery)
        w.key("keep_checkpoints", train.keepCheckpoints)
        w.end()

        w.section("loss")
        w.key("variant", loss.variant)
        w.section("kd")
        w.key("cls_weight", loss.kd.clsWeight)
        w.key("iou_weight", loss.kd.iouWeight)
        w.key("box_weight", loss.kd.boxWeight)
        w.key("gamma", loss.kd.gamma)
        w.key("min_iou", loss.kd.minIoU)
        w.end()
        w.end()

        w.section("colad")
        w.key("rule", colad.rule)
        w.key("granularity", colad.granularity)
        w.end()

        w.section("distributed")
        w.key("ranks_per_network", distributed.ranksPerNetwork)
        w.key("coordinator", distributed.coordinator)
        w.key("status_bind", distributed.statusBind)
        w.key("timeout_seconds", distributed.timeoutSeconds)
        w.key("heartbeat_seconds", distributed.heartbeatSeconds)
        w.key("max_message_bytes", distributed.maxMessageBytes)
        w.end()

        w.section("eval")
        w.key("score_threshold", eval.scoreThreshold)
        w.key("nms_iou", eval.nmsIoU)
        w.key("nms_pre", eval.nmsPre)
        w.key("max_per_image", eval.maxPerImage)
        w.key("score_voting", eval.scoreVoting)
        w.key("network", eval.network)
        w.end()

        w.key("work_dir", workDir)
        return w.text
    }
}

/// Block-style YAML, two spaces per level; checks every key against `Schema`.
private struct YAMLWriter {
    var text = ""
    private var path: [String] = []

    mutating func comment(_ s: String) { text += "# \(s)\n" }

    mutating func key(_ k: String, _ value: some YAMLText) {
        check(k)
        text += indent + "\(k): \(value.yamlText)\n"
    }

    mutating func section(_ k: String) {
        check(k)
        text += indent + "\(k):\n"
        path.append(k)
    }

    mutating func end() { path.removeLast() }

    mutating func network(_ k: String, _ n: NetworkConfig) {
        section(k)
        key("preset", n.preset)
        key("stem", n.stem)
        key("widths", n.widths)
        key("blocks", n.blocks)
        key("fpn_channels", n.fpnChannels)
        key("head_channels", n.headChannels)
        key("head_convs", n.headConvs)
        key("checkpoint", n.checkpoint)
        end()
    }

    private var indent: String { String(repeating: "  ", count: path.count) }

    private func check(_ k: String) {
        let section = path.joined(separator: ".")
        precondition(Schema.keys(at: section)?.contains(k) == true, "YAMLWriter: '\(k)' is not a key of '\(section)'")
    }
}
