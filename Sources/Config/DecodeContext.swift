import Yams

// The state of one decode (the file name for errors, the origins and spellings recorded for
// the validator) and the typed readers: one node in, one value of the key's type out, or a
// ConfigError at the node's position.

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

    /// A string naming a row of `NetworkConfig.presets`.
    func presetName(_ n: YNode, _ path: String) throws -> String {
        let text = try string(n, path)
        let names = NetworkConfig.presetNames
        if names.contains(text) { return text }
        throw error(path, n.origin, value: text,
                    "unknown preset '\(text)'; expected one of: \(names.joined(separator: " | "))",
                    hint: Schema.nearest(text, in: names).map { "did you mean '\($0)'?" }
                        ?? "or give stem, widths and blocks explicitly")
    }

    func intList(_ n: YNode, _ path: String) throws -> [Int] {
        try list(n, path, of: "integers", example: "[8, 16, 32]", int)
    }

    func stringList(_ n: YNode, _ path: String) throws -> [String] {
        try list(n, path, of: "strings", example: "[backbone., neck.]", string)
    }

    /// A YAML sequence whose items `item` decodes; each item's origin is kept as `path[i]`.
    private func list<T>(_ n: YNode, _ path: String, of what: String, example: String,
                         _ item: (YNode, String) throws -> T) throws -> [T] {
        guard case .sequence(let items) = n.kind else {
            throw error(path, n.origin, value: n.written, "expected a list of \(what), got \(n.described)",
                        hint: "write a list as \(example) (or [] for none)")
        }
        return try items.enumerated().map { i, node in
            let p = "\(path)[\(i)]"
            origins[p] = node.origin
            written[p] = node.written
            return try item(node, p)
        }
    }

    private func quotedHint(_ n: YNode) -> String? {
        if case .scalar(let s) = n.kind, s.isQuoted { return "remove the quotes: quoted values are strings" }
        return nil
    }
}
