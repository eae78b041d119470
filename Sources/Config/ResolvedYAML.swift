extension TrainingConfig {
    /// The whole configuration with every default filled in, as YAML, in the order of the key
    /// table (Keys.swift). Written to the work dir; `parse(yaml:)` of this text gives back an
    /// equal config.
    /// `omitting`: top-level sections left out (the config hash leaves out `monitor`).
    public func resolvedYAML(omitting: Set<String> = []) -> String {
        var w = YAMLWriter()
        w.comment("colad resolved configuration: every key with the value in effect (defaults filled in).")
        w.comment("Loading this file gives the same configuration; see configs/README.md for each key.")
        w.write(Keys.root.keys.filter { !omitting.contains($0.name) }, of: self)
        return w.text
    }
}

/// Block-style YAML, two spaces per level.
private struct YAMLWriter {
    var text = ""
    private var depth = 0

    mutating func comment(_ s: String) { text += "# \(s)\n" }

    /// Every key of `keys` with its value in `config`; an absent optional network as null.
    mutating func write(_ keys: [ConfigKey], of config: TrainingConfig) {
        for key in keys {
            switch key.kind {
            case .value(_, let valueText):
                line(key.name, valueText(config))
            case .section(let section):
                mapping(key.name, section.keys, of: config)
            case .network(let slot):
                if let nullable = slot.nullable, config[keyPath: nullable] == nil {
                    line(key.name, "null")
                } else {
                    mapping(key.name, slot.section.keys, of: config)
                }
            }
        }
    }

    private mutating func line(_ key: String, _ valueText: String) {
        text += indent + "\(key): \(valueText)\n"
    }

    private mutating func mapping(_ key: String, _ keys: [ConfigKey], of config: TrainingConfig) {
        text += indent + "\(key):\n"
        depth += 1
        write(keys, of: config)
        depth -= 1
    }

    private var indent: String { String(repeating: "  ", count: depth) }
}
