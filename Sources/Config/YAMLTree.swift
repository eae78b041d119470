import Yams

// A YAML document as a tree whose every node remembers where it came from (a file position or
// a `--set` override), so that errors found while decoding or validating can name it.
// Built from Yams' node API (`Yams.compose`); overrides are spliced in before decoding.

/// Where a key or value was written.
enum Origin: Equatable {
    case file(String?, line: Int, column: Int)
    case override(String)
    /// Not written anywhere: a default, or the document as a whole.
    case none
}

struct YScalar {
    let node: Node.Scalar
    /// The effective tag: quoted scalars are always strings, plain ones use Yams' resolver.
    let tag: Tag.Name
    var text: String { node.string }
    var isNull: Bool { tag == .null }
    var isQuoted: Bool { node.style == .singleQuoted || node.style == .doubleQuoted }
}

struct YEntry {
    var key: String
    var keyOrigin: Origin
    var value: YNode
}

struct YNode {
    enum Kind {
        case scalar(YScalar)
        case mapping([YEntry])
        case sequence([YNode])
    }
    var kind: Kind
    var origin: Origin

    static func null(_ origin: Origin) -> YNode {
        YNode(kind: .scalar(YScalar(node: Node.Scalar("null"), tag: .null)), origin: origin)
    }

    var isNull: Bool {
        if case .scalar(let s) = kind { return s.isNull }
        return false
    }

    /// "'eight'", "null", "a list", "a mapping": how a value is named in "got …".
    var described: String {
        switch kind {
        case .scalar(let s): return s.isNull ? "null" : "'\(s.text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// The value as written, for `ConfigError.value` (nil for collections).
    var written: String? {
        if case .scalar(let s) = kind { return s.text }
        return nil
    }
}

enum YAMLTree {
    /// Parses one YAML document. An empty document is an empty mapping.
    static func parse(_ text: String, file: String?) throws -> YNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw syntaxError(e, file: file, override: nil, keyPath: "")
        }
        guard let node else { return YNode(kind: .mapping([]), origin: .none) }
        let tree = try convert(node, origin: { mark in mark.map { .file(file, line: $0.line, column: $0.column) } ?? .none },
                               keyPath: "")
        if tree.isNull { return YNode(kind: .mapping([]), origin: tree.origin) }
        return tree
    }

    /// Parses a `--set` value (a YAML scalar or flow collection); every node's origin is the
    /// override.
    static func parseOverrideValue(_ text: String, override: String, keyPath: String) throws -> YNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw syntaxError(e, file: nil, override: override, keyPath: keyPath)
        }
        guard let node else { return .null(.override(override)) }
        return try convert(node, origin: { _ in .override(override) }, keyPath: keyPath)
    }

    private static func convert(_ node: Node, origin: (Mark?) -> Origin, keyPath: String) throws -> YNode {
        switch node {
        case .scalar(let s):
            let quoted = s.style == .singleQuoted || s.style == .doubleQuoted
            let tag: Tag.Name = quoted ? .str : Resolver.default.resolveTag(of: node)
            return YNode(kind: .scalar(YScalar(node: s, tag: tag)), origin: origin(s.mark))
        case .sequence(let seq):
            var items: [YNode] = []
            for (i, item) in seq.enumerated() {
                items.append(try convert(item, origin: origin, keyPath: "\(keyPath)[\(i)]"))
            }
            return YNode(kind: .sequence(items), origin: origin(seq.mark))
        case .mapping(let map):
            var entries: [YEntry] = []
            for (k, v) in map {
                let keyOrigin = origin(k.mark)
                guard case .scalar(let ks) = k, !ks.string.isEmpty else {
                    throw locate(ConfigError(keyPath: keyPath, message: "a mapping key must be a plain name"), keyOrigin)
                }
                let path = keyPath.isEmpty ? ks.string : "\(keyPath).\(ks.string)"
                entries.append(YEntry(key: ks.string, keyOrigin: keyOrigin,
                                      value: try convert(v, origin: origin, keyPath: path)))
            }
            return YNode(kind: .mapping(entries), origin: origin(map.mark))
        }
    }

    /// Sets `keyPath` (dotted) to `value` inside the mapping `root`, creating missing
    /// intermediate mappings (an intermediate null becomes an empty mapping). Unknown keys are
    /// left for the decoder to report, which then names the override.
    static func set(_ keyPath: [String], to value: YNode, in root: inout YNode, override: String) throws {
        guard case .mapping(var entries) = root.kind else {
            preconditionFailure("set: root must be a mapping")
        }
        let key = keyPath[0]
        let origin = Origin.override(override)
        if keyPath.count == 1 {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                entries[i].value = value
                entries[i].keyOrigin = origin
            } else {
                entries.append(YEntry(key: key, keyOrigin: origin, value: value))
            }
        } else {
            let i: Int
            if let existing = entries.firstIndex(where: { $0.key == key }) {
                i = existing
            } else {
                entries.append(YEntry(key: key, keyOrigin: origin, value: YNode(kind: .mapping([]), origin: origin)))
                i = entries.count - 1
            }
            if entries[i].value.isNull { entries[i].value = YNode(kind: .mapping([]), origin: origin) }
            guard case .mapping = entries[i].value.kind else {
                let where_ = describe(entries[i].value.origin)
                throw ConfigError(override: override, keyPath: keyPath.joined(separator: "."),
                                  message: "cannot set a key inside '\(key)', which is \(entries[i].value.described)"
                                      + (where_.isEmpty ? "" : " (\(where_))"),
                                  hint: "set '\(key)' as a whole, e.g. --set \(key)={…}")
            }
            var child = entries[i].value
            try set(Array(keyPath.dropFirst()), to: value, in: &child, override: override)
            entries[i].value = child
        }
        root.kind = .mapping(entries)
    }

    /// Fills an error's file/line/column or override from an origin.
    static func locate(_ error: ConfigError, _ origin: Origin) -> ConfigError {
        var e = error
        switch origin {
        case .file(let file, let line, let column):
            e.file = file; e.line = line; e.column = column; e.override = nil
        case .override(let text):
            e.override = text
        case .none:
            break
        }
        return e
    }

    static func describe(_ origin: Origin) -> String {
        switch origin {
        case .file(let file, let line, let column): return "\(file.map { $0 + ":" } ?? "line ")\(line):\(column)"
        case .override(let text): return "--set \(text)"
        case .none: return ""
        }
    }

    private static func syntaxError(_ e: YamlError, file: String?, override: String?, keyPath: String) -> ConfigError {
        var error = ConfigError(file: file, override: override, keyPath: keyPath, message: "invalid YAML")
        switch e {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            error.line = mark.line; error.column = mark.column
            error.message = "invalid YAML: \(problem)"
            if let context { error.message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
        case .reader(let problem, _, _, _):
            error.message = "invalid YAML: \(problem)"
        default:
            error.message = "invalid YAML: \(e)"
        }
        if override != nil {
            error.line = nil; error.column = nil
            error.hint = "the value is read as YAML: quote strings with special characters, write lists as [1, 2]"
        }
        return error
    }
}
