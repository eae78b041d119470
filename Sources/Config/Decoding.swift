// Located tree → TrainingConfig, driven by the key table (Keys.swift): unknown and duplicate
// keys, required keys, type checks (DecodeContext.swift) and defaults. The decoder starts from
// the defaults of Sections.swift and overwrites every key the YAML gives; defaults that derive
// from other keys are rebuilt as soon as those are read. Ranges and cross-field rules are
// checked afterwards by Validation.swift, which finds lines through the recorded origins.

/// One mapping being decoded: rejects unknown and duplicate keys up front, then hands out
/// typed values with defaults.
struct MapReader {
    let path: String
    let ctx: DecodeContext
    /// Where the mapping was introduced (its key), for "missing required key" errors.
    let origin: Origin
    private var values: [String: YEntry] = [:]
    private let keys: [ConfigKey]

    /// `node` nil (absent) or null reads as an empty mapping whose known keys are `keys`.
    init(_ node: YNode?, path: String, keys: [ConfigKey], origin: Origin, ctx: DecodeContext) throws {
        self.path = path; self.keys = keys; self.ctx = ctx; self.origin = origin
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
            guard keys.contains(where: { $0.name == e.key }) else {
                throw ctx.error(full, e.keyOrigin, value: e.key, "unknown key '\(e.key)'",
                                hint: Schema.unknownKeyHint(e.key, at: path))
            }
            values[e.key] = e
        }
    }

    func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value node at `key` (nil when absent), recording its origin: the value's for a
    /// value, the key's for a section.
    func node(_ key: String) -> YNode? {
        let isSection = configKey(key).children != nil
        guard let e = values[key] else { return nil }
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

    /// The mapping at `key`, a section or network of the table.
    func section(_ key: String) throws -> MapReader {
        try MapReader(node(key), path: join(key), keys: configKey(key).children!, origin: keyOrigin(key), ctx: ctx)
    }

    private func configKey(_ key: String) -> ConfigKey {
        guard let k = keys.first(where: { $0.name == key }) else {
            preconditionFailure("Config: '\(key)' is not a key of '\(path)' in Keys.swift")
        }
        return k
    }
}

extension TrainingConfig {
    static func decode(_ root: YNode, ctx: DecodeContext) throws -> TrainingConfig {
        let reader = try MapReader(root, path: "", keys: Keys.root.keys, origin: .none, ctx: ctx)
        // Overwritten by the keys read first (name, mode, networks) and the root's defaults.
        var config = TrainingConfig(name: "", mode: .baseline, networkA: unsetNetwork, iterations: 1)
        try decode(Keys.root, from: reader, into: &config)
        return config
    }

    /// A network whose keys are about to be read: no preset, no architecture yet, the
    /// `NetworkConfig` defaults for the rest.
    private static let unsetNetwork = NetworkConfig(stem: 0, widths: [], blocks: [])

    /// Reads the keys marked `readFirst()`, rebuilds the section's defaults from them, then
    /// reads the other keys, each group in table order.
    private static func decode(_ section: Section, from reader: MapReader, into config: inout TrainingConfig) throws {
        for key in section.keys where key.isReadFirst {
            try decode(key, from: reader, into: &config)
        }
        section.defaults?(&config)
        for key in section.keys where !key.isReadFirst {
            try decode(key, from: reader, into: &config)
        }
    }

    private static func decode(_ key: ConfigKey, from reader: MapReader, into config: inout TrainingConfig) throws {
        switch key.kind {
        case .value(let decodeValue, _):
            try decodeValue(reader, &config)
        case .section(let section):
            try decode(section, from: reader.section(key.name), into: &config)
        case .network(let slot):
            try decodeNetwork(key.name, slot, from: reader, into: &config)
        }
    }

    /// A network mapping: absent or null is nil for an optional network and an error for a
    /// required one; otherwise its keys are read into a fresh network (the preset first).
    private static func decodeNetwork(_ name: String, _ slot: NetworkSlot, from reader: MapReader,
                                      into config: inout TrainingConfig) throws {
        let node = reader.node(name)
        if node == nil || node!.isNull {
            if let nullable = slot.nullable {
                config[keyPath: nullable] = nil
                return
            }
            let presets = NetworkConfig.presetNames.joined(separator: " | ")
            throw reader.ctx.error(reader.join(name), node?.origin ?? reader.keyOrigin(name),
                                   "missing required key '\(name)'",
                                   hint: "e.g. \(name): {preset: tiny} (presets: \(presets))")
        }
        if let nullable = slot.nullable {
            config[keyPath: nullable] = unsetNetwork
        } else {
            config[keyPath: slot.path] = unsetNetwork
        }
        try decode(slot.section, from: reader.section(name), into: &config)
    }
}
