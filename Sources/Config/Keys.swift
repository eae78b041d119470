// Every YAML key of the config, each declared once, in the order `resolvedYAML()` writes
// them. This table is the schema (known keys, hints, `Schema.allPaths`), the decoder and the
// writer; `configs/README.md` is checked against it by a test.
//
// Defaults are not here: they are the initial values in Sections.swift and the initialisers
// (`TrainingConfig(name:mode:…)`, `ScheduleConfig(iterations:)`, …). The decoder starts from
// them and overwrites what the YAML gives. Keys marked `readFirst()` are the ones other
// defaults derive from; their section's `defaults` rebuild those defaults once they are read.
//
// To add a key: a stored property with its default in Sections.swift, a row here, a row in
// configs/README.md, and any range check in Validation.swift.

enum Keys {
    /// The top level. The table is built on each use rather than stored: it holds key paths,
    /// which are not `Sendable`, and building it costs microseconds.
    static var root: Section {
        Section([
            .string("name", \.name, .required(hint: "e.g. name: paa-tiny (the default work dir is work-dirs/<name>)"))
                .readFirst(),
            .int("seed", \.seed),
            .enumValue("mode", \.mode, .required(hint: "one of: \(Mode.allowed)")).readFirst(),
            .network("network_a", \.networkA).readFirst(),
            .optionalNetwork("network_b", \.networkB).readFirst(),
            .section("anchors", Section([
                .intList("strides", \.anchors.strides),
                .double("scale", \.anchors.scale),
                .double("center_offset", \.anchors.centerOffset),
            ])),
            .section("data", Section([
                .enumValue("dataset", \.data.dataset),
                .int("train_size", \.data.trainSize),
                .int("val_size", \.data.valSize),
                .int("seed", \.data.seed),
                .int("image_size", \.data.imageSize),
                .enumValue("resize", \.data.resize),
                .int("max_size", \.data.maxSize),
                .int("short_side", \.data.shortSide),
                .intList("short_side_range", \.data.shortSideRange),
                .optionalString("train_annotations", \.data.trainAnnotations),
                .optionalString("train_images", \.data.trainImages),
                .optionalString("val_annotations", \.data.valAnnotations),
                .optionalString("val_images", \.data.valImages),
                .bool("flip", \.data.flip),
                .bool("skip_invalid", \.data.skipInvalid),
            ])),
            .section("train", train),
            .section("loss", Section([
                .enumValue("variant", \.loss.variant),
                .section("kd", Section([
                    .double("cls_weight", \.loss.kd.clsWeight),
                    .double("iou_weight", \.loss.kd.iouWeight),
                    .double("box_weight", \.loss.kd.boxWeight),
                    .double("gamma", \.loss.kd.gamma),
                    .double("min_iou", \.loss.kd.minIoU),
                ])),
            ])),
            .section("colad", Section([
                .enumValue("rule", \.colad.rule),
                .enumValue("granularity", \.colad.granularity),
            ])),
            .section("distributed", Section([
                .optionalInt("ranks_per_network", \.distributed.ranksPerNetwork),
                .optionalInt("ranks_a", \.distributed.ranksA),
                .optionalInt("ranks_b", \.distributed.ranksB),
                .optionalString("coordinator", \.distributed.coordinator),
                .string("status_bind", \.distributed.statusBind),
                .double("timeout_seconds", \.distributed.timeoutSeconds),
                .double("heartbeat_seconds", \.distributed.heartbeatSeconds),
                .int("max_message_bytes", \.distributed.maxMessageBytes),
                .bool("balance", \.distributed.balance),
                .optionalInt("threads_a", \.distributed.threadsA),
                .optionalInt("threads_b", \.distributed.threadsB),
            ])),
            .section("eval", Section([
                .double("score_threshold", \.eval.scoreThreshold),
                .double("nms_iou", \.eval.nmsIoU),
                .int("nms_pre", \.eval.nmsPre),
                .int("max_per_image", \.eval.maxPerImage),
                .bool("score_voting", \.eval.scoreVoting),
                .enumValue("network", \.eval.network),
            ])),
            .section("monitor", Section([
                .bool("tensorboard", \.monitor.tensorboard),
                .bool("trace", \.monitor.trace),
                .int("trace_max_events", \.monitor.traceMaxEvents),
                .optionalInt("prometheus_port", \.monitor.prometheusPort),
                .string("prometheus_host", \.monitor.prometheusHost),
            ])),
            .string("work_dir", \.workDir),
        ], defaults: { config in
            // The mode's loss and eval defaults and the work dir follow name and mode; train is
            // rebuilt from its iterations when its section is read.
            config = TrainingConfig(name: config.name, mode: config.mode, networkA: config.networkA,
                                    networkB: config.networkB, iterations: config.train.iterations)
        })
    }

    /// `train`: the warm-up and lr steps default to fractions of the iterations.
    static var train: Section {
        Section([
            .int("batch_size", \.train.batchSize),
            .int("iterations", \.train.iterations,
                 .required(hint: "the total number of training iterations, e.g. iterations: 2000")).readFirst(),
            .double("lr", \.train.lr),
            .double("momentum", \.train.momentum),
            .double("weight_decay", \.train.weightDecay),
            .int("warmup_iters", \.train.warmupIters),
            .double("warmup_ratio", \.train.warmupRatio),
            .intList("lr_steps", \.train.lrSteps),
            .double("lr_gamma", \.train.lrGamma),
            .optionalDouble("clip_grad_norm", \.train.clipGradNorm),
            .int("log_every", \.train.logEvery),
            .optionalInt("eval_every", \.train.evalEvery),
            .optionalInt("checkpoint_every", \.train.checkpointEvery),
            .optionalInt("keep_checkpoints", \.train.keepCheckpoints),
        ], defaults: { config in
            config.train = ScheduleConfig(iterations: config.train.iterations)
        })
    }

    /// The keys of a network mapping, for the network stored at `n`. A preset fills the
    /// architecture and explicit keys override it; without a preset, stem, widths and blocks
    /// are required.
    static func network(at n: WritableKeyPath<TrainingConfig, NetworkConfig>) -> Section {
        let presets = NetworkConfig.presetNames.joined(separator: " | ")
        let fromPreset = Presence.requiredUnless(hint: "give a preset (\(presets)), a torchvision backbone (resnet18 … resnet101), or all of stem, widths and blocks",
                                                 hasDefault: { $0[keyPath: n].preset != nil || $0[keyPath: n].backbone != .gnResnet })
        return Section([
            .preset("preset", n.appending(path: \.preset)).readFirst(),
            .enumValue("backbone", n.appending(path: \.backbone)).readFirst(),
            .int("stem", n.appending(path: \.stem), fromPreset),
            .intList("widths", n.appending(path: \.widths), fromPreset),
            .intList("blocks", n.appending(path: \.blocks), fromPreset),
            .int("fpn_channels", n.appending(path: \.fpnChannels)),
            .int("head_channels", n.appending(path: \.headChannels)),
            .int("head_convs", n.appending(path: \.headConvs)),
            .optionalString("checkpoint", n.appending(path: \.checkpoint)),
            .optionalString("init_from", n.appending(path: \.initFrom)),
            .stringList("init_prefixes", n.appending(path: \.initPrefixes)),
            .enumValue("backbone_norm", n.appending(path: \.backboneNorm)),
            .int("frozen_stages", n.appending(path: \.frozenStages)),
            .optionalString("backbone_weights", n.appending(path: \.backboneWeights)),
            .int("fpn_levels", n.appending(path: \.fpnLevels)),
            .int("gn_groups", n.appending(path: \.gnGroups)),
            .enumValue("conv3x3", n.appending(path: \.conv3x3)),
        ], defaults: { config in
            // The reader accepted the name, so the preset exists; the backbone is read with it.
            if let name = config[keyPath: n].preset {
                let backbone = config[keyPath: n].backbone
                config[keyPath: n] = NetworkConfig.preset(name)!
                config[keyPath: n].backbone = backbone
            }
        })
    }
}
