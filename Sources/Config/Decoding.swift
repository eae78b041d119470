import Yams

// Located tree → TrainingConfig: type checks, unknown and duplicate keys, required keys, and
// every default (including the mode-dependent ones). Ranges and cross-field rules are checked
// afterwards by Validation.swift, which finds lines through the recorded origins.

/// State of one decode: the file name for errors and where every key path was written.
final class DecodeContext {
    let file: String?
    /// Key path → origin of its value (for sections: of the key), for the validator.
    var origins: [String: Origin] = [:]
    /// Key path → scalar value as written, so range errors quote the user's spelling.
    var written: [String: String] = [:]

    init(file: String?) { self.file = file }

    func error(_ keyPath: String, _ origin: Origin, value: String? = nil, _ message: String,
               hint: String? = nil) -> ConfigError {
        var e = YAMLTree.locate(ConfigError(keyPath: keyPath, value: value, message: message, hint: hint), origin)
        if e.file == nil && e.override == nil { e.file = file }
        return e
    }

    // MARK: Typed readers. Each takes the value node and its key path.

    func int(_ n: YNode, _ path: String) throws -> Int {
        if case .scalar(let s) = n.kind, !s.isQuoted, s.tag == .int, let v = Int.construct(from: s.node) {
            return v
        }
        throw error(path, n.origin, value: n.written, "expected an integer, got \(n.described)",
                    hint: quotedHint(n))
    }

    func double(_ n: YNode, _ path: String) throws -> Double {
        if case .scalar(let s) = n.kind, !s.isQuoted {
            var v: Double?
            if s.tag == .int || s.tag == .float { v = Double.construct(from: s.node) }
            if v == nil && s.tag == .str { v = Double(s.text) }  // 1e-4: a string in YAML 1.1, a number here
            if let v {
                guard v.isFinite else { throw error(path, n.origin, value: s.text, "expected a finite number, got \(n.described)") }
                return v
            }
        }
        throw error(path, n.origin, value: n.written, "expected a number, got \(n.described)", hint: quotedHint(n))
    }

    func bool(_ n: YNode, _ path: String) throws -> Bool {
        if case .scalar(let s) = n.kind, !s.isQuoted, s.tag == .bool, let v = Bool.construct(from: s.node) {
            return v
        }
        throw error(path, n.origin, value: n.written, "expected true or false, got \(n.described)", hint: quotedHint(n))
    }

    func string(_ n: YNode, _ path: String) throws -> String {
        if case .scalar(let s) = n.kind, !s.isNull { return s.text }
        throw error(path, n.origin, value: n.written, "expected a string, got \(n.described)")
    }

    func enumValue<E: YAMLEnum>(_ n: YNode, _ path: String) throws -> E {
        let text = try string(n, path)
        if let v = E(rawValue: text) { return v }
        let names = E.allCases.map(\.rawValue)
        throw error(path, n.origin, value: text, "unknown value '\(text)'; expected one of: \(E.allowed)",
                    hint: Schema.nearest(text, in: names).map { "did you mean '\($0)'?" })
    }

    func intList(_ n: YNode, _ path: String) throws -> [Int] {
        guard case .sequence(let items) = n.kind else {
            throw error(path, n.origin, value: n.written, "expected a list of integers, got \(n.described)",
                        hint: "write a list as [8, 16, 32] (or [] for none)")
        }
        return try items.enumerated().map { i, item in
            let p = "\(path)[\(i)]"
            origins[p] = item.origin
            written[p] = item.written
            return try int(item, p)
        }
    }

    private func quotedHint(_ n: YNode) -> String? {
        if case .scalar(let s) = n.kind, s.isQuoted { return "remove the quotes: quoted values are strings" }
        return nil
    }
}

/// One mapping being decoded: rejects unknown and duplicate keys up front, then hands out
/// typed values with defaults.
struct MapReader {
    let path: String
    let ctx: DecodeContext
    /// Where the mapping was introduced (its key), for "missing required key" errors.
    let origin: Origin
    private var values: [String: YEntry] = [:]
    private let keys: [String]

    /// `node` nil (absent) or null reads as an empty mapping.
    init(_ node: YNode?, path: String, origin: Origin, ctx: DecodeContext) throws {
        self.path = path; self.ctx = ctx; self.origin = origin
        keys = Schema.keys(at: path)!
        guard let node, !node.isNull else { return }
        guard case .mapping(let entries) = node.kind else {
            throw ctx.error(path, node.origin, value: node.written,
                            "expected a mapping of keys, got \(node.described)",
                            hint: path.isEmpty ? nil : "write it as '\(path.split(separator: ".").last!):' followed by indented keys, or {key: value, …}")
        }
        for e in entries {
            let full = join(e.key)
            if let first = values[e.key] {
                let firstAt = YAMLTree.describe(first.keyOrigin)
                throw ctx.error(full, e.keyOrigin, value: e.key, "duplicate key",
                                hint: firstAt.isEmpty ? nil : "first given at \(firstAt)")
            }
            guard keys.contains(e.key) else {
                throw ctx.error(full, e.keyOrigin, value: e.key, "unknown key '\(e.key)'",
                                hint: Schema.unknownKeyHint(e.key, at: path))
            }
            values[e.key] = e
        }
    }

    func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value node at `key` (nil when absent), recording its origin.
    func node(_ key: String) -> YNode? {
        precondition(keys.contains(key), "Config: key '\(key)' is not in Schema.keys(at: \"\(path)\")")
        guard let e = values[key] else { return nil }
        let isSection = Schema.keys(at: join(key)) != nil
        ctx.origins[join(key)] = isSection ? e.keyOrigin : e.value.origin
        ctx.written[join(key)] = e.value.written
        return e.value
    }

    func keyOrigin(_ key: String) -> Origin { values[key]?.keyOrigin ?? origin }

    /// A value that must not be null: absent → `defaultValue`, or an error when there is none.
    func value<T: YAMLText>(_ key: String, default defaultValue: T?, requiredHint: String? = nil,
                            _ read: (YNode, String) throws -> T) throws -> T {
        let p = join(key)
        guard let n = node(key) else {
            if let defaultValue { return defaultValue }
            throw ctx.error(p, origin, "missing required key '\(key)'", hint: requiredHint)
        }
        if n.isNull {
            do { _ = try read(n, p) } catch var e as ConfigError {
                e.hint = defaultValue.map { "omit the key to use the default (\($0.yamlText))" }
                    ?? requiredHint ?? "this key is required"
                throw e
            }
        }
        return try read(n, p)
    }

    /// A value that may be null: absent → `defaultValue`, null → nil.
    func optional<T>(_ key: String, default defaultValue: T?, _ read: (YNode, String) throws -> T) throws -> T? {
        guard let n = node(key) else { return defaultValue }
        if n.isNull { return nil }
        return try read(n, join(key))
    }

    func int(_ key: String, _ d: Int?, requiredHint: String? = nil) throws -> Int {
        try value(key, default: d, requiredHint: requiredHint, ctx.int)
    }
    func double(_ key: String, _ d: Double) throws -> Double { try value(key, default: d, ctx.double) }
    func bool(_ key: String, _ d: Bool) throws -> Bool { try value(key, default: d, ctx.bool) }
    func string(_ key: String, _ d: String?, requiredHint: String? = nil) throws -> String {
        try value(key, default: d, requiredHint: requiredHint, ctx.string)
    }
    func enumValue<E: YAMLEnum>(_ key: String, _ d: E?, requiredHint: String? = nil) throws -> E {
        try value(key, default: d, requiredHint: requiredHint, ctx.enumValue)
    }
    func intList(_ key: String, _ d: [Int]?, requiredHint: String? = nil) throws -> [Int] {
        try value(key, default: d, requiredHint: requiredHint, ctx.intList)
    }
    func section(_ key: String) throws -> MapReader {
        try MapReader(node(key), path: join(key), origin: keyOrigin(key), ctx: ctx)
    }
}

extension TrainingConfig {
    static func decode(_ root: YNode, ctx: DecodeContext) throws -> TrainingConfig {
        let r = try MapReader(root, path: "", origin: .none, ctx: ctx)
        let name = try r.string("name", nil, requiredHint: "e.g. name: paa-tiny (the default work dir is work-dirs/<name>)")
        let mode = try r.enumValue("mode", nil as Mode?, requiredHint: "one of: \(Mode.allowed)")

        let networkA = try decodeNetwork(r, "network_a", required: true)!
        let networkB = try decodeNetwork(r, "network_b", required: false)

        var config = TrainingConfig(name: name, mode: mode, networkA: networkA, networkB: networkB, iterations: 1)
        config.seed = try r.int("seed", 0)

        let a = try r.section("anchors")
        config.anchors.strides = try a.intList("strides", config.anchors.strides)
        config.anchors.scale = try a.double("scale", config.anchors.scale)
        config.anchors.centerOffset = try a.double("center_offset", config.anchors.centerOffset)

        let d = try r.section("data")
        var data = config.data
        data.dataset = try d.enumValue("dataset", data.dataset)
        data.trainSize = try d.int("train_size", data.trainSize)
        data.valSize = try d.int("val_size", data.valSize)
        data.seed = try d.int("seed", data.seed)
        data.imageSize = try d.int("image_size", data.imageSize)
        data.trainAnnotations = try d.optional("train_annotations", default: nil, ctx.string)
        data.trainImages = try d.optional("train_images", default: nil, ctx.string)
        data.valAnnotations = try d.optional("val_annotations", default: nil, ctx.string)
        data.valImages = try d.optional("val_images", default: nil, ctx.string)
        data.flip = try d.bool("flip", data.flip)
        data.skipInvalid = try d.bool("skip_invalid", data.skipInvalid)
        config.data = data

        let t = try r.section("train")
        let iterations = try t.int("iterations", nil, requiredHint: "the total number of training iterations, e.g. iterations: 2000")
        var s = ScheduleConfig(iterations: iterations)
        s.batchSize = try t.int("batch_size", s.batchSize)
        s.lr = try t.double("lr", s.lr)
        s.momentum = try t.double("momentum", s.momentum)
        s.weightDecay = try t.double("weight_decay", s.weightDecay)
        s.warmupIters = try t.int("warmup_iters", s.warmupIters)
        s.warmupRatio = try t.double("warmup_ratio", s.warmupRatio)
        s.lrSteps = try t.intList("lr_steps", s.lrSteps)
        s.lrGamma = try t.double("lr_gamma", s.lrGamma)
        s.clipGradNorm = try t.optional("clip_grad_norm", default: s.clipGradNorm, ctx.double)
        s.logEvery = try t.int("log_every", s.logEvery)
        s.evalEvery = try t.optional("eval_every", default: s.evalEvery, ctx.int)
        s.checkpointEvery = try t.optional("checkpoint_every", default: s.checkpointEvery, ctx.int)
        s.keepCheckpoints = try t.optional("keep_checkpoints", default: s.keepCheckpoints, ctx.int)
        config.train = s

        let l = try r.section("loss")
        config.loss.variant = try l.enumValue("variant", config.loss.variant)
        let k = try l.section("kd")
        var kd = config.loss.kd
        kd.clsWeight = try k.double("cls_weight", kd.clsWeight)
        kd.iouWeight = try k.double("iou_weight", kd.iouWeight)
        kd.boxWeight = try k.double("box_weight", kd.boxWeight)
        kd.gamma = try k.double("gamma", kd.gamma)
        kd.minIoU = try k.double("min_iou", kd.minIoU)
        config.loss.kd = kd

        let c = try r.section("colad")
        config.colad.rule = try c.enumValue("rule", config.colad.rule)
        config.colad.granularity = try c.enumValue("granularity", config.colad.granularity)

        let m = try r.section("distributed")
        var dist = config.distributed
        dist.ranksPerNetwork = try m.optional("ranks_per_network", default: dist.ranksPerNetwork, ctx.int)
        dist.coordinator = try m.optional("coordinator", default: dist.coordinator, ctx.string)
        dist.statusBind = try m.string("status_bind", dist.statusBind)
        dist.timeoutSeconds = try m.double("timeout_seconds", dist.timeoutSeconds)
        dist.heartbeatSeconds = try m.double("heartbeat_seconds", dist.heartbeatSeconds)
        dist.maxMessageBytes = try m.int("max_message_bytes", dist.maxMessageBytes)
        config.distributed = dist

        let e = try r.section("eval")
        var ev = config.eval
        ev.scoreThreshold = try e.double("score_threshold", ev.scoreThreshold)
        ev.nmsIoU = try e.double("nms_iou", ev.nmsIoU)
        ev.nmsPre = try e.int("nms_pre", ev.nmsPre)
        ev.maxPerImage = try e.int("max_per_image", ev.maxPerImage)
        ev.scoreVoting = try e.bool("score_voting", ev.scoreVoting)
        ev.network = try e.enumValue("network", ev.network)
        config.eval = ev

        config.workDir = try r.string("work_dir", config.workDir)
        return config
    }

    /// A network section: a preset fills the architecture, explicit keys override it; without
    /// a preset, stem, widths and blocks are required. Returns nil for an absent or null
    /// optional section.
    private static func decodeNetwork(_ parent: MapReader, _ key: String, required: Bool) throws -> NetworkConfig? {
        let presets = NetworkConfig.presetNames.joined(separator: " | ")
        let node = parent.node(key)
        if node == nil || node!.isNull {
            guard required else { return nil }
            throw parent.ctx.error(key, node?.origin ?? parent.keyOrigin(key), "missing required key '\(key)'",
                                   hint: "e.g. \(key): {preset: tiny} (presets: \(presets))")
        }
        let r = try parent.section(key)
        let ctx = parent.ctx
        var base: NetworkConfig?
        let presetName = try r.optional("preset", default: nil, ctx.string)
        if let presetName {
            guard let p = NetworkConfig.preset(presetName) else {
                let n = r.node("preset")!
                throw ctx.error(r.join("preset"), n.origin, value: presetName,
                                "unknown preset '\(presetName)'; expected one of: \(presets)",
                                hint: Schema.nearest(presetName, in: NetworkConfig.presetNames).map { "did you mean '\($0)'?" }
                                    ?? "or give stem, widths and blocks explicitly")
            }
            base = p
        }
        let need = "give a preset (\(presets)) or all of stem, widths and blocks"
        var n = NetworkConfig(stem: try r.int("stem", base?.stem, requiredHint: need),
                              widths: try r.intList("widths", base?.widths, requiredHint: need),
                              blocks: try r.intList("blocks", base?.blocks, requiredHint: need))
        n.preset = presetName
        n.fpnChannels = try r.int("fpn_channels", base?.fpnChannels ?? n.fpnChannels)
        n.headChannels = try r.int("head_channels", base?.headChannels ?? n.headChannels)
        n.headConvs = try r.int("head_convs", base?.headConvs ?? n.headConvs)
        n.checkpoint = try r.optional("checkpoint", default: nil, ctx.string)
        return n
    }
}
