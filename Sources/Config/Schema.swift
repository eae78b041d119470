// The YAML keys of each section, in the order `resolvedYAML()` writes them. The decoder
// rejects any other key, and reads only these (checked by a precondition), so this table, the
// decoder and the writer cannot drift apart silently; `configs/README.md` is checked against
// it by a test.

enum Schema {
    static let root = ["name", "seed", "mode", "network_a", "network_b", "anchors", "data", "train",
                       "loss", "colad", "distributed", "eval", "work_dir"]
    static let network = ["preset", "stem", "widths", "blocks", "fpn_channels", "head_channels",
                          "head_convs", "checkpoint"]
    static let anchors = ["strides", "scale", "center_offset"]
    static let data = ["dataset", "train_size", "val_size", "seed", "image_size", "train_annotations",
                       "train_images", "val_annotations", "val_images", "flip", "skip_invalid"]
    static let train = ["batch_size", "iterations", "lr", "momentum", "weight_decay", "warmup_iters",
                        "warmup_ratio", "lr_steps", "lr_gamma", "clip_grad_norm", "log_every",
                        "eval_every", "checkpoint_every", "keep_checkpoints"]
    static let loss = ["variant", "kd"]
    static let kd = ["cls_weight", "iou_weight", "box_weight", "gamma", "min_iou"]
    static let colad = ["rule", "granularity"]
    static let distributed = ["ranks_per_network", "coordinator", "status_bind", "timeout_seconds",
                              "heartbeat_seconds", "max_message_bytes"]
    static let eval = ["score_threshold", "nms_iou", "nms_pre", "max_per_image", "score_voting", "network"]

    /// Keys of the mapping at a (section) key path, nil for leaves.
    static func keys(at path: String) -> [String]? {
        switch path {
        case "": return root
        case "network_a", "network_b": return network
        case "anchors": return anchors
        case "data": return data
        case "train": return train
        case "loss": return loss
        case "loss.kd": return kd
        case "colad": return colad
        case "distributed": return distributed
        case "eval": return eval
        default: return nil
        }
    }

    /// Every leaf key path, e.g. "train.batch_size", "loss.kd.cls_weight".
    static var allPaths: [String] {
        func walk(_ path: String) -> [String] {
            guard let keys = keys(at: path) else { return [path] }
            return keys.flatMap { walk(path.isEmpty ? $0 : "\(path).\($0)") }
        }
        return walk("")
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
        if key == "<<" {
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
