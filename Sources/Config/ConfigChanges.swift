// Which keys differ between this config and an earlier resolved config (the text a checkpoint
// recorded, or a work dir's config.yaml), each with both values as written. Used to say why a
// resume is refused. Works on the text `resolvedYAML()` writes (one `key: value` per line,
// two spaces per level), so it needs no decoding and still works when a key was added or
// removed between versions (the missing side is nil).

import Foundation

/// One key whose value differs, with both values as `resolvedYAML()` writes them.
public struct ConfigChange: Equatable, Sendable {
    /// Dotted key path, e.g. `train.lr`.
    public var path: String
    /// The value in the earlier config; nil when it did not have the key.
    public var old: String?
    /// The value now; nil when this config does not have the key.
    public var new: String?

    public init(path: String, old: String?, new: String?) {
        self.path = path; self.old = old; self.new = new
    }
}

extension TrainingConfig {
    /// The keys whose values differ from `resolved` (an earlier `resolvedYAML()`), in this
    /// config's key order, then keys only the earlier one had. Top-level sections in
    /// `omitting` are left out (a resume ignores `monitor`).
    public func changes(since resolved: String, omitting: Set<String> = []) -> [ConfigChange] {
        func kept(_ pairs: [(String, String)]) -> [(String, String)] {
            pairs.filter { !omitting.contains(String($0.0.prefix(while: { $0 != "." }))) }
        }
        let before = kept(Self.leafValues(resolved)), now = kept(Self.leafValues(resolvedYAML()))
        let old = Dictionary(before, uniquingKeysWith: { a, _ in a })
        let current = Set(now.map(\.0))
        var changes = now.filter { old[$0.0] != $0.1 }.map { ConfigChange(path: $0.0, old: old[$0.0], new: $0.1) }
        changes += before.filter { !current.contains($0.0) }.map { ConfigChange(path: $0.0, old: $0.1, new: nil) }
        return changes
    }

    /// (key path, value text) of every `key: value` line of a resolved config, in order.
    static func leafValues(_ text: String) -> [(String, String)] {
        var open: [String] = []   // the mappings enclosing the current line, outermost first
        var leaves: [(String, String)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let depth = line.prefix(while: { $0 == " " }).count / 2
            let body = line.drop(while: { $0 == " " })
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = String(body[..<colon])
            let value = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            open = Array(open.prefix(depth))
            if value.isEmpty {
                open.append(key)
            } else {
                leaves.append(((open + [key]).joined(separator: "."), value))
            }
        }
        return leaves
    }
}
