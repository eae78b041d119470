import Foundation

// `_base_:` inheritance between config files (mmdetection's convention). A file names one base
// or a list of them, relative to its own directory; the bases are merged in order and the
// file's own keys go on top: mappings merge key by key, lists and scalars replace. Bases may
// have bases; a cycle or an unreadable base is an error that names the chain of files.
//
// The merge works on located trees (YAMLTree), before overrides and decoding, so every value
// keeps the file and line it was written at: an error in a value that came from a base names
// the base file.

enum Inheritance {
    static let key = "_base_"

    /// The document `root` of `file` with its bases merged under it and its `_base_` key
    /// removed. `chain`: the files that include this one, outermost first.
    static func resolve(_ root: YNode, file: String?, chain: [String] = []) throws -> YNode {
        guard case .mapping(var entries) = root.kind,
              let i = entries.firstIndex(where: { $0.key == key }) else { return root }
        let entry = entries.remove(at: i)
        if let again = entries.first(where: { $0.key == key }) {
            throw located(ConfigError(keyPath: key, value: key, message: "duplicate key",
                                      hint: "give several bases as a list: _base_: [a.yaml, b.yaml]"), again.keyOrigin, file)
        }
        let here = chain + [file ?? "(text)"]
        var merged = YNode(kind: .mapping([]), origin: root.origin)
        for (written, node) in try baseNames(entry.value, file: file) {
            let path = join(written, relativeTo: file)
            let trail = (here + [path]).joined(separator: " → ")
            if here.contains(where: { sameFile($0, path) }) {
                throw located(ConfigError(keyPath: key, value: written, message: "base configs form a cycle: \(trail)",
                                          hint: "remove one of the _base_ entries of the cycle"), node.origin, file)
            }
            let text: String
            do {
                text = try TrainingConfig.readText(path)
            } catch let e as TrainingConfig.UnreadableFile {
                throw located(ConfigError(keyPath: key, value: written, message: "cannot read base config '\(written)' (\(e.reason)): \(trail)",
                                          hint: "base paths are relative to the directory of the file that names them"), node.origin, file)
            }
            let base = try YAMLTree.parse(text, file: path)
            guard case .mapping = base.kind else {
                throw YAMLTree.locate(ConfigError(file: path, keyPath: "", value: base.written,
                                                  message: "a base config must be a mapping of keys, got \(base.described) (\(trail))"),
                                      base.origin)
            }
            merged = merge(merged, try resolve(base, file: path, chain: here))
        }
        return merge(merged, YNode(kind: .mapping(entries), origin: root.origin))
    }

    /// `over` merged onto `base`: where both are mappings, key by key (recursively); otherwise
    /// `over` replaces `base`. A key repeated inside `over` stays repeated, so the decoder still
    /// reports it as a duplicate.
    static func merge(_ base: YNode, _ over: YNode) -> YNode {
        guard case .mapping(var entries) = base.kind, case .mapping(let overEntries) = over.kind else { return over }
        var seen = Set<String>()
        for e in overEntries {
            if !seen.contains(e.key), let i = entries.firstIndex(where: { $0.key == e.key }) {
                entries[i] = YEntry(key: e.key, keyOrigin: e.keyOrigin, value: merge(entries[i].value, e.value))
            } else {
                entries.append(e)
            }
            seen.insert(e.key)
        }
        return YNode(kind: .mapping(entries), origin: over.origin)
    }

    /// The file names of a `_base_` value (one name, a list, or null/[] for none) with their nodes.
    private static func baseNames(_ value: YNode, file: String?) throws -> [(String, YNode)] {
        let items: [YNode]
        switch value.kind {
        case .scalar(let s) where s.isNull: items = []
        case .scalar: items = [value]
        case .sequence(let list): items = list
        case .mapping: items = [value]
        }
        return try items.map { item in
            guard case .scalar(let s) = item.kind, !s.isNull, !s.text.isEmpty else {
                throw located(ConfigError(keyPath: key, value: item.written,
                                          message: "expected a config file name or a list of them, got \(item.described)",
                                          hint: "e.g. _base_: _base_/schedule.yaml or _base_: [a.yaml, b.yaml]"), item.origin, file)
            }
            return (s.text, item)
        }
    }

    /// `path` relative to the directory of `file` (absolute paths stay as they are), with `.`
    /// and `dir/..` removed: `configs/_base_/../x.yaml` is `configs/x.yaml`.
    static func join(_ path: String, relativeTo file: String?) -> String {
        let dir = path.hasPrefix("/") ? "" : ((file ?? "") as NSString).deletingLastPathComponent
        var parts: [Substring] = []
        for part in (dir.isEmpty ? path : dir + "/" + path).split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return (dir.hasPrefix("/") || path.hasPrefix("/") ? "/" : "") + (joined.isEmpty ? "." : joined)
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        return canonical(a) == canonical(b)
    }

    private static func located(_ error: ConfigError, _ origin: Origin, _ file: String?) -> ConfigError {
        var e = YAMLTree.locate(error, origin)
        if e.file == nil && e.override == nil { e.file = file }
        return e
    }
}
