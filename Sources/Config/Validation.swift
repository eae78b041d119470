// Ranges and cross-field rules, checked on the decoded config. Errors find their file line
// through the origins recorded while decoding (the nearest recorded parent when the key was
// left at its default); a config built in code gets errors without a location.

struct Validator {
    let config: TrainingConfig
    let ctx: DecodeContext

    /// The origin of `keyPath`, or of its nearest recorded parent.
    func origin(_ keyPath: String) -> Origin {
        var p = keyPath
        while !p.isEmpty {
            if let o = ctx.origins[p] { return o }
            if p.hasSuffix("]"), let i = p.lastIndex(of: "[") { p = String(p[..<i]); continue }
            guard let dot = p.lastIndex(of: ".") else { break }
            p = String(p[..<dot])
        }
        return .none
    }

    func fail(_ keyPath: String, at: String? = nil, value: String? = nil, _ message: String,
              hint: String? = nil) -> ConfigError {
        ctx.error(keyPath, origin(at ?? keyPath), value: value, message, hint: hint)
    }

    func check(_ ok: Bool, _ keyPath: String, _ value: some YAMLText, _ requirement: String,
               hint: String? = nil) throws {
        guard !ok else { return }
        let text = ctx.written[keyPath].flatMap { $0.isEmpty ? nil : $0 } ?? value.yamlText
        throw fail(keyPath, value: text, "must be \(requirement), got \(text)", hint: hint)
    }

    func run() throws {
        let c = config
        try check(isValidName(c.name), "name", c.name, "a non-empty name of letters, digits, '.', '_' and '-'",
                  hint: "it names the work dir (work-dirs/<name>) and the job")
        try check(c.seed >= 0, "seed", c.seed, "≥ 0")
        try checkModeRequirements()
        try checkNetwork(c.networkA, "network_a")
        if let b = c.networkB { try checkNetwork(b, "network_b") }
        try checkAnchorsAndData()
        try checkSchedule()
        try checkLossAndEval()
        try checkDistributed()
        try checkMonitor()
        try check(!c.workDir.isEmpty, "work_dir", c.workDir, "a directory path")
    }

    private func isValidName(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix(".") && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
    }

    private func checkModeRequirements() throws {
        let c = config
        let mode = c.mode.rawValue
        switch c.mode {
        case .baseline:
            if c.networkB != nil {
                throw fail("network_b", "mode baseline trains one network (network_a); network_b is not used",
                           hint: "remove network_b (or --set network_b=null), or pick a two-network mode: lad, soft, solad, colad")
            }
        case .lad, .soft, .solad, .colad:
            if c.networkB == nil {
                let role = c.mode == .colad ? "the second co-trained network" : "the student"
                throw fail("network_b", at: "mode", "mode \(mode) needs network_b (\(role))",
                           hint: "add e.g. network_b: {preset: tiny}")
            }
        }
        let wholeInit = c.networkA.initFrom != nil && c.networkA.initPrefixes.isEmpty
        if [.lad, .soft, .solad].contains(c.mode), c.networkA.checkpoint == nil, !wholeInit {
            throw fail("network_a.checkpoint", "mode \(mode) needs network_a.checkpoint: the weights of the frozen teacher",
                       hint: "train the teacher first (e.g. mode baseline) and point network_a.checkpoint at its work dir or a network-a.safetensors file"
                           + " (or network_a.init_from at a whole network in PyTorch layout)")
        }
        for (id, n) in [("network_a", c.networkA), ("network_b", c.networkB)] {
            if let path = n?.checkpoint, path.isEmpty {
                throw fail("\(id).checkpoint", value: path, "must be a file path, got an empty string")
            }
            if let n { try checkInit(n, id) }
        }
        let evalIDs = c.eval.network.ids
        if c.mode == .baseline, evalIDs.contains(.b) {
            throw fail("eval.network", value: c.eval.network.rawValue,
                       "mode baseline has no network_b to evaluate", hint: "use eval.network: a")
        }
    }

    /// init_from / init_prefixes: a PyTorch-layout file instead of a checkpoint, all or part of it.
    private func checkInit(_ n: NetworkConfig, _ id: String) throws {
        if let path = n.initFrom, path.isEmpty {
            throw fail("\(id).init_from", value: path, "must be a file path, got an empty string")
        }
        if n.initFrom != nil, n.checkpoint != nil {
            throw fail("\(id).init_from", value: n.initFrom, "\(id) gives both checkpoint and init_from",
                       hint: "checkpoint loads colad's own weights files, init_from PyTorch-layout files (docs/weights.md); keep one")
        }
        if n.initFrom == nil, !n.initPrefixes.isEmpty {
            throw fail("\(id).init_prefixes", value: n.initPrefixes.yamlText, "init_prefixes selects tensors of init_from, which is not set",
                       hint: "add \(id).init_from: FILE.safetensors, or remove init_prefixes")
        }
        if let i = n.initPrefixes.firstIndex(where: { $0.isEmpty || $0 == "." }) {
            throw fail("\(id).init_prefixes[\(i)]", value: n.initPrefixes[i], "must name a part of the network",
                       hint: "e.g. backbone. or neck. or head. (leave init_prefixes empty to load every tensor)")
        }
    }

    private func checkNetwork(_ n: NetworkConfig, _ p: String) throws {
        if n.backbone == .gnResnet {
            try check(n.stem >= 1, "\(p).stem", n.stem, "≥ 1")
            try check(n.widths.count == 4, "\(p).widths", n.widths, "a list of 4 stage widths",
                      hint: "the backbone has four stages (strides 4, 8, 16, 32), e.g. [16, 32, 64, 128]")
            try check(n.blocks.count == 4, "\(p).blocks", n.blocks, "a list of 4 block counts", hint: "e.g. [1, 1, 1, 1]")
            for (i, w) in n.widths.enumerated() { try check(w >= 1, "\(p).widths[\(i)]", w, "≥ 1") }
            for (i, b) in n.blocks.enumerated() { try check(b >= 1, "\(p).blocks[\(i)]", b, "≥ 1") }
            try check(n.backboneWeights == nil, "\(p).backbone_weights", n.backboneWeights, "null with backbone gn_resnet",
                      hint: "backbone_weights reads a torchvision ResNet state dict: set backbone to resnet18 … resnet101, or load colad-layout weights with init_from")
        } else {
            try check((-1...4).contains(n.frozenStages), "\(p).frozen_stages", n.frozenStages, "in -1…4",
                      hint: "-1 trains every stage, 0 freezes the stem, k the stem and layer1…layerk; the reference freezes 1")
            try check(n.backboneWeights == nil || n.checkpoint == nil, "\(p).backbone_weights", n.backboneWeights,
                      "null when checkpoint is set", hint: "checkpoint loads the whole network, backbone included; keep one")
        }
        try check(n.fpnChannels >= 1, "\(p).fpn_channels", n.fpnChannels, "≥ 1")
        try check(n.headChannels >= 1, "\(p).head_channels", n.headChannels, "≥ 1")
        try check(n.headConvs >= 1, "\(p).head_convs", n.headConvs, "≥ 1")
        try check(n.fpnLevels == 3 || n.fpnLevels == 5, "\(p).fpn_levels", n.fpnLevels, "3 or 5",
                  hint: "3 gives P3–P5 (the presets), 5 gives P3–P7 (the reference: P6, P7 by stride-2 convs on P5)")
        try check(n.gnGroups >= 1 && n.headChannels % min(n.gnGroups, n.headChannels) == 0, "\(p).gn_groups", n.gnGroups,
                  "≥ 1 and divide head_channels (\(n.headChannels))", hint: "the head towers' GroupNorm splits channels into min(gn_groups, channels) groups; the reference uses 32 with 256 channels")
        guard n.backbone == .gnResnet else { return }
        // The GroupNorm ResNet uses min(8, C) groups, so C ≥ 8 must be a multiple of 8 (DESIGN.md §6).
        var channels = [("stem", n.stem), ("fpn_channels", n.fpnChannels)]
        channels += n.widths.enumerated().map { ("widths[\($0.offset)]", $0.element) }
        for (key, ch) in channels where ch >= 8 && ch % 8 != 0 {
            try check(false, "\(p).\(key)", ch, "below 8 or a multiple of 8",
                      hint: "GroupNorm splits channels into min(8, channels) groups")
        }
    }

    private func checkAnchorsAndData() throws {
        let a = config.anchors, d = config.data
        let levels = config.networkA.fpnLevels
        if let b = config.networkB {
            try check(b.fpnLevels == levels, "network_b.fpn_levels", b.fpnLevels, "network_a's \(levels)",
                      hint: "both networks share one anchor layout, so they need the same pyramid levels")
        }
        let strides = Array([8, 16, 32, 64, 128].prefix(levels))
        try check(a.strides == strides, "anchors.strides", a.strides, strides.yamlText,
                  hint: "the networks produce pyramid levels P3–P\(levels + 2) (fpn_levels \(levels)), whose strides are \(strides.map(String.init).joined(separator: ", "))")
        try check(a.scale > 0, "anchors.scale", a.scale, "> 0", hint: "anchor side = scale · stride")
        try check(a.centerOffset >= 0 && a.centerOffset < 1, "anchors.center_offset", a.centerOffset, "in [0, 1)",
                  hint: "0 puts anchor centres on cell corners (the reference), 0.5 on cell centres")
        try check(d.imageSize >= 32 && d.imageSize % 32 == 0, "data.image_size", d.imageSize, "a positive multiple of 32",
                  hint: "the largest stride is 32")
        if d.resize == .keepRatio {
            try check(d.shortSide >= 32 && d.shortSide <= 8192, "data.short_side", d.shortSide, "in 32...8192",
                      hint: "the reference uses 800 (images fit 1333 x 800)")
            try check(d.maxSize >= d.shortSide && d.maxSize <= 8192, "data.max_size", d.maxSize, "in short_side (\(d.shortSide))...8192",
                      hint: "the longer side's limit; the reference uses 1333")
            if !d.shortSideRange.isEmpty {
                let r = d.shortSideRange
                try check(r.count == 2 && r[0] >= 32 && r[0] <= r[1] && r[1] <= d.maxSize, "data.short_side_range", r,
                          "[lo, hi] with 32 ≤ lo ≤ hi ≤ max_size (\(d.maxSize)), or []",
                          hint: "e.g. [640, 800] for the reference's multi-scale training")
            }
        } else if !d.shortSideRange.isEmpty {
            throw fail("data.short_side_range", value: d.shortSideRange.yamlText, "multi-scale training needs data.resize: keep_ratio",
                       hint: "set data.resize: keep_ratio, or short_side_range: []")
        }
        try check(d.seed >= 0, "data.seed", d.seed, "≥ 0")
        switch d.dataset {
        case .builtin:
            try check(d.trainSize >= 1, "data.train_size", d.trainSize, "≥ 1")
            try check(d.valSize >= 1, "data.val_size", d.valSize, "≥ 1")
        case .coco:
            let paths: [(String, String?)] = [("train_annotations", d.trainAnnotations), ("train_images", d.trainImages),
                                              ("val_annotations", d.valAnnotations), ("val_images", d.valImages)]
            for (key, value) in paths {
                guard let value else {
                    throw fail("data.\(key)", at: "data.dataset", "dataset coco needs data.\(key)",
                               hint: "give train_annotations, train_images, val_annotations and val_images")
                }
                try check(!value.isEmpty, "data.\(key)", value, "a path")
            }
        }
    }

    private func checkSchedule() throws {
        let t = config.train
        try check(t.batchSize >= 1, "train.batch_size", t.batchSize, "≥ 1", hint: "images per rank per iteration")
        try check(t.iterations >= 1, "train.iterations", t.iterations, "≥ 1")
        try check(t.lr > 0, "train.lr", t.lr, "> 0")
        try check(t.momentum >= 0 && t.momentum < 1, "train.momentum", t.momentum, "in [0, 1)")
        try check(t.weightDecay >= 0, "train.weight_decay", t.weightDecay, "≥ 0")
        try check(t.warmupIters >= 0, "train.warmup_iters", t.warmupIters, "≥ 0", hint: "0 turns warm-up off")
        try check(t.warmupRatio > 0 && t.warmupRatio <= 1, "train.warmup_ratio", t.warmupRatio, "in (0, 1]")
        for (i, s) in t.lrSteps.enumerated() {
            try check(s >= 1, "train.lr_steps[\(i)]", s, "≥ 1")
            if i > 0 {
                try check(s > t.lrSteps[i - 1], "train.lr_steps[\(i)]", s, "greater than the step before it (\(t.lrSteps[i - 1]))",
                          hint: "list the steps in increasing order")
            }
        }
        try check(t.lrGamma > 0 && t.lrGamma <= 1, "train.lr_gamma", t.lrGamma, "in (0, 1]")
        if let g = t.clipGradNorm { try check(g > 0, "train.clip_grad_norm", g, "> 0", hint: "null turns clipping off") }
        try check(t.logEvery >= 1, "train.log_every", t.logEvery, "≥ 1")
        if let e = t.evalEvery { try check(e >= 1, "train.eval_every", e, "≥ 1", hint: "null evaluates only at the end") }
        if let e = t.checkpointEvery {
            try check(e >= 1, "train.checkpoint_every", e, "≥ 1", hint: "null saves only at the end")
        }
        if let k = t.keepCheckpoints { try check(k >= 1, "train.keep_checkpoints", k, "≥ 1", hint: "null keeps all") }
    }

    private func checkLossAndEval() throws {
        let kd = config.loss.kd, e = config.eval
        try check(kd.clsWeight >= 0, "loss.kd.cls_weight", kd.clsWeight, "≥ 0")
        try check(kd.iouWeight >= 0, "loss.kd.iou_weight", kd.iouWeight, "≥ 0")
        try check(kd.boxWeight >= 0, "loss.kd.box_weight", kd.boxWeight, "≥ 0")
        try check(kd.gamma >= 0, "loss.kd.gamma", kd.gamma, "≥ 0")
        try check(kd.minIoU >= 0 && kd.minIoU < 1, "loss.kd.min_iou", kd.minIoU, "in [0, 1)")
        try check(e.scoreThreshold >= 0 && e.scoreThreshold < 1, "eval.score_threshold", e.scoreThreshold, "in [0, 1)")
        try check(e.nmsIoU > 0 && e.nmsIoU <= 1, "eval.nms_iou", e.nmsIoU, "in (0, 1]")
        try check(e.nmsPre >= 1, "eval.nms_pre", e.nmsPre, "≥ 1")
        try check(e.maxPerImage >= 1, "eval.max_per_image", e.maxPerImage, "≥ 1")
    }

    private func checkMonitor() throws {
        let m = config.monitor
        try check(m.traceMaxEvents >= 1, "monitor.trace_max_events", m.traceMaxEvents, "≥ 1")
        if let p = m.prometheusPort {
            try check((0...65535).contains(p), "monitor.prometheus_port", p, "in 0…65535", hint: "0 = any free port (written to WORK_DIR/metrics-endpoint); null = off")
        }
        try check(!m.prometheusHost.isEmpty && !m.prometheusHost.contains(":") && !m.prometheusHost.contains("/"),
                  "monitor.prometheus_host", m.prometheusHost, "an IPv4 address or host name", hint: "127.0.0.1 (loopback) or 0.0.0.0 (every interface)")
    }

    private func checkDistributed() throws {
        let d = config.distributed
        if let k = d.ranksPerNetwork {
            try check(k >= 1, "distributed.ranks_per_network", k, "≥ 1", hint: "null splits the worker ranks evenly")
        }
        for (key, k) in [("distributed.ranks_a", d.ranksA), ("distributed.ranks_b", d.ranksB)] {
            if let k { try check(k >= 1, key, k, "≥ 1", hint: "null: the rest of the worker ranks (or ranks_per_network)") }
        }
        if let c = d.coordinator, let problem = Endpoint.problem(c, connect: true) {
            throw fail("distributed.coordinator", value: c, problem, hint: "e.g. tcp://127.0.0.1:5555 or ipc:///tmp/colad.sock")
        }
        if let problem = Endpoint.problem(d.statusBind, connect: false) {
            throw fail("distributed.status_bind", value: d.statusBind, problem,
                       hint: "e.g. tcp://127.0.0.1:0 (port 0 = any free port)")
        }
        try check(d.timeoutSeconds > 0, "distributed.timeout_seconds", d.timeoutSeconds, "> 0")
        try check(d.heartbeatSeconds > 0 && d.heartbeatSeconds < d.timeoutSeconds, "distributed.heartbeat_seconds",
                  d.heartbeatSeconds, "> 0 and below timeout_seconds (\(d.timeoutSeconds.yamlText))")
        try check(d.maxMessageBytes >= 1024, "distributed.max_message_bytes", d.maxMessageBytes, "≥ 1024")
        for (key, t) in [("distributed.threads_a", d.threadsA), ("distributed.threads_b", d.threadsB)] {
            if let t { try check(t >= 1 && t <= 1024, key, t, "in 1…1024", hint: "null = chosen by distributed.balance") }
        }
    }
}

/// ZeroMQ endpoint syntax: tcp://HOST:PORT or ipc://PATH.
enum Endpoint {
    /// A message when `s` is not a usable endpoint; nil when it is. A bind may use port 0 or
    /// `*` (any free port) and host `*`; a connect needs a real host and port.
    static func problem(_ s: String, connect: Bool) -> String? {
        if s.hasPrefix("ipc://") {
            return s.count > "ipc://".count ? nil : "an ipc:// endpoint needs a path"
        }
        guard s.hasPrefix("tcp://") else { return "must be a tcp://HOST:PORT or ipc://PATH endpoint, got '\(s)'" }
        let rest = s.dropFirst("tcp://".count)
        guard let colon = rest.lastIndex(of: ":") else { return "a tcp endpoint needs HOST:PORT, got '\(s)'" }
        let host = rest[..<colon], port = rest[rest.index(after: colon)...]
        if host.isEmpty || (connect && host == "*") { return "a tcp endpoint needs a host, got '\(s)'" }
        if port == "*" { return connect ? "a connect endpoint needs a port number, got '\(s)'" : nil }
        guard let p = Int(port), (0...65535).contains(p) else { return "the port must be 0…65535, got '\(port)'" }
        if connect && p == 0 { return "a connect endpoint needs a port number, got port 0" }
        return nil
    }
}
