// The names of the keys, read off the table in Keys.swift: the known keys of each section
// (for unknown-key errors and their hints) and every leaf key path. Nothing here lists a key.

enum Schema {
    /// Keys of the mapping at a (section) key path, in table order; nil for leaves and for
    /// paths that are not in the table.
    static func keys(at path: String) -> [String]? {
        var keys = Keys.root.keys
        for segment in path.split(separator: ".") {
            guard let children = keys.first(where: { $0.name == segment })?.children else { return nil }
            keys = children
        }
        return keys.map(\.name)
    }

    /// Every leaf key path in table order, e.g. "train.batch_size", "loss.kd.cls_weight".
    static var allPaths: [String] { leaves.map(\.path) }

    /// A key that is not a mapping, with its dotted path.
    typealias Leaf = (path: String, key: ConfigKey)

    /// Every leaf in table order.
    static var leaves: [Leaf] {
        func walk(_ keys: [ConfigKey], _ prefix: String) -> [Leaf] {
            keys.flatMap { key -> [Leaf] in
                let path = prefix.isEmpty ? key.name : "\(prefix).\(key.name)"
                guard let children = key.children else { return [(path, key)] }
                return walk(children, path)
            }
        }
        return walk(Keys.root.keys, "")
    }

    /// Keys people reach for that this schema spells differently.
    static let aliases: [String: String] = [
        "model": "the networks are network_a and network_b",
        "teacher": "the networks are network_a and network_b; in lad/soft/solad network_a is the frozen teacher",
        "student": "the networks are network_a and network_b; in lad/soft/solad network_b is the student",
        "network": "the networks are network_a and network_b",
        "schedule": "the schedule lives in train",
        "optimizer": "the optimiser settings live in train",
        "workdir": "did you mean 'work_dir'?",
    ]

    /// The hint for an unknown key at `path`: the nearest known key, or where the key belongs.
    static func unknownKeyHint(_ key: String, at path: String) -> String {
        let known = keys(at: path) ?? []
        var hint = ""
        if key == Inheritance.key {
            hint = "_base_ is read at the top level of a config file only, not inside a section or from --set"
        } else if key == "<<" {
            hint = "YAML merge keys are not supported: write the keys out"
        } else if path.isEmpty, let alias = aliases[key] {
            hint = alias
        } else if let best = nearest(key, in: known) {
            hint = "did you mean '\(best)'?"
        } else if let elsewhere = allPaths.first(where: { $0.split(separator: ".").last.map(String.init) == key }) {
            hint = "'\(key)' belongs elsewhere: \(elsewhere)"
        }
        let list = "known keys\(path.isEmpty ? "" : " of \(path)"): \(known.joined(separator: ", "))"
        return hint.isEmpty ? list : "\(hint) (\(list))"
    }

    /// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
    static func nearest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let limit = max(2, min(word.count, best.0.count) / 3)
        return best.1 <= limit ? best.0 : nil
    }

    /// Levenshtein distance (insert, delete, substitute; each costs 1).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count), cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}

extension TrainingConfig {
    /// Every leaf key path of the schema in table order (`train.batch_size`, …): what `--set`
    /// accepts, for shell completion and documentation checks.
    public static var keyPaths: [String] { Schema.allPaths }
}
