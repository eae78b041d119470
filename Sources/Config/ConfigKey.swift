// The building blocks of the key table in Keys.swift: one `ConfigKey` per YAML key, holding
// its name, where its value lives in `TrainingConfig` (a key path) and how it is read and
// written. The schema (Schema.swift), the decoder (Decoding.swift) and the writer
// (ResolvedYAML.swift) all walk the same table, so a key is declared once.

/// Reads one value node; the second argument is the key path, for errors. `DecodeContext.int`
/// and its siblings have this type.
typealias ValueReader<T> = (DecodeContext) -> (YNode, String) throws -> T

/// One YAML key: a value, a section of further keys, or a network.
struct ConfigKey {
    let name: String
    let kind: Kind
    /// Other defaults of this key's section derive from it: it is read before the section's
    /// other keys, and the section's `defaults` run right after (see `Section`).
    private(set) var isReadFirst = false

    enum Kind {
        /// A scalar or list. `decode` reads the key from its section into the config, keeping
        /// the value already there (the default) when the key is absent; `text` writes it.
        case value(decode: (MapReader, inout TrainingConfig) throws -> Void, text: (TrainingConfig) -> String)
        /// A mapping that is always there (absent or null reads as empty).
        case section(Section)
        /// `network_a` / `network_b`, see `NetworkSlot`.
        case network(NetworkSlot)
    }

    /// The keys of the mapping at this key; nil for a value.
    var children: [ConfigKey]? {
        switch kind {
        case .value: return nil
        case .section(let section): return section.keys
        case .network(let slot): return slot.section.keys
        }
    }

    /// This key, marked as read before the rest of its section (see `isReadFirst`).
    func readFirst() -> ConfigKey {
        var key = self
        key.isReadFirst = true
        return key
    }
}

/// The keys of one mapping, in the order `resolvedYAML()` writes them.
struct Section {
    let keys: [ConfigKey]
    /// Rebuilds the defaults that derive from the keys marked `readFirst()`, once those are
    /// read and before the others are (e.g. `ScheduleConfig(iterations:)` for train).
    let defaults: ((inout TrainingConfig) -> Void)?

    init(_ keys: [ConfigKey], defaults: ((inout TrainingConfig) -> Void)? = nil) {
        self.keys = keys
        self.defaults = defaults
    }
}

/// Where a network mapping is stored. Its keys (`section`) are rooted at `path`; `nullable`
/// is the optional property when the network may be absent or null (network_b), nil when the
/// mapping is required (network_a).
struct NetworkSlot {
    let section: Section
    let path: WritableKeyPath<TrainingConfig, NetworkConfig>
    let nullable: WritableKeyPath<TrainingConfig, NetworkConfig?>?
}

/// Whether a value key may be left out.
enum Presence {
    /// Absent → the value already in the config.
    case defaulted
    /// Absent → "missing required key", with this hint.
    case required(hint: String)
    /// Required (with this hint) unless `hasDefault(config)`, e.g. a network's stem unless a
    /// preset gave one.
    case requiredUnless(hint: String, hasDefault: (TrainingConfig) -> Bool)

    func hasDefault(_ config: TrainingConfig) -> Bool {
        switch self {
        case .defaulted: return true
        case .required: return false
        case .requiredUnless(_, let hasDefault): return hasDefault(config)
        }
    }

    var hint: String? {
        switch self {
        case .defaulted: return nil
        case .required(let hint), .requiredUnless(let hint, _): return hint
        }
    }
}

// MARK: The kinds of key the table is written with.

extension ConfigKey {
    static func int(_ name: String, _ path: WritableKeyPath<TrainingConfig, Int>,
                    _ presence: Presence = .defaulted) -> ConfigKey {
        value(name, path, presence, DecodeContext.int)
    }

    static func double(_ name: String, _ path: WritableKeyPath<TrainingConfig, Double>) -> ConfigKey {
        value(name, path, .defaulted, DecodeContext.double)
    }

    static func bool(_ name: String, _ path: WritableKeyPath<TrainingConfig, Bool>) -> ConfigKey {
        value(name, path, .defaulted, DecodeContext.bool)
    }

    static func string(_ name: String, _ path: WritableKeyPath<TrainingConfig, String>,
                       _ presence: Presence = .defaulted) -> ConfigKey {
        value(name, path, presence, DecodeContext.string)
    }

    static func enumValue<E: YAMLEnum>(_ name: String, _ path: WritableKeyPath<TrainingConfig, E>,
                                       _ presence: Presence = .defaulted) -> ConfigKey {
        value(name, path, presence, DecodeContext.enumValue)
    }

    static func intList(_ name: String, _ path: WritableKeyPath<TrainingConfig, [Int]>,
                        _ presence: Presence = .defaulted) -> ConfigKey {
        value(name, path, presence, DecodeContext.intList)
    }

    static func stringList(_ name: String, _ path: WritableKeyPath<TrainingConfig, [String]>) -> ConfigKey {
        value(name, path, .defaulted, DecodeContext.stringList)
    }

    /// Keys whose value may be null (nil); absent keeps the value already in the config.
    static func optionalInt(_ name: String, _ path: WritableKeyPath<TrainingConfig, Int?>) -> ConfigKey {
        nullable(name, path, DecodeContext.int)
    }

    static func optionalDouble(_ name: String, _ path: WritableKeyPath<TrainingConfig, Double?>) -> ConfigKey {
        nullable(name, path, DecodeContext.double)
    }

    static func optionalString(_ name: String, _ path: WritableKeyPath<TrainingConfig, String?>) -> ConfigKey {
        nullable(name, path, DecodeContext.string)
    }

    /// A network's preset name (or null): must name a row of `NetworkConfig.presets`.
    static func preset(_ name: String, _ path: WritableKeyPath<TrainingConfig, String?>) -> ConfigKey {
        nullable(name, path, DecodeContext.presetName)
    }

    static func section(_ name: String, _ section: Section) -> ConfigKey {
        ConfigKey(name: name, kind: .section(section))
    }

    /// A required network mapping; its keys come from `Keys.network(at:)`.
    static func network(_ name: String, _ path: WritableKeyPath<TrainingConfig, NetworkConfig>) -> ConfigKey {
        ConfigKey(name: name, kind: .network(NetworkSlot(section: Keys.network(at: path), path: path, nullable: nil)))
    }

    /// A network mapping that may be absent or null (nil).
    static func optionalNetwork(_ name: String, _ path: WritableKeyPath<TrainingConfig, NetworkConfig?>) -> ConfigKey {
        let unwrapped = path.appending(path: \NetworkConfig?.!)
        let slot = NetworkSlot(section: Keys.network(at: unwrapped), path: unwrapped, nullable: path)
        return ConfigKey(name: name, kind: .network(slot))
    }

    /// A value that must not be null.
    private static func value<T: YAMLText>(_ name: String, _ path: WritableKeyPath<TrainingConfig, T>,
                                           _ presence: Presence, _ read: @escaping ValueReader<T>) -> ConfigKey {
        func decode(_ reader: MapReader, _ config: inout TrainingConfig) throws {
            let current = presence.hasDefault(config) ? config[keyPath: path] : nil
            config[keyPath: path] = try reader.value(name, default: current, requiredHint: presence.hint,
                                                     read(reader.ctx))
        }
        return ConfigKey(name: name, kind: .value(decode: decode, text: { $0[keyPath: path].yamlText }))
    }

    /// A value that may be null.
    private static func nullable<T: YAMLText>(_ name: String, _ path: WritableKeyPath<TrainingConfig, T?>,
                                              _ read: @escaping ValueReader<T>) -> ConfigKey {
        func decode(_ reader: MapReader, _ config: inout TrainingConfig) throws {
            config[keyPath: path] = try reader.optional(name, default: config[keyPath: path], read(reader.ctx))
        }
        return ConfigKey(name: name, kind: .value(decode: decode, text: { $0[keyPath: path].yamlText }))
    }
}
