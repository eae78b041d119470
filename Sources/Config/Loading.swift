import Foundation

extension TrainingConfig {
    /// Reads a YAML config file, applies `--set key.path=value` overrides, fills every default
    /// and validates. Every error is a `ConfigError` naming the file, line, column and key path
    /// (or the override).
    ///
    /// - Parameter requireFiles: also check that the checkpoint and COCO paths exist (relative
    ///   paths from the current directory). Off by default so a config can be checked anywhere.
    public static func load(file: String, overrides: [String] = [], requireFiles: Bool = false) throws -> TrainingConfig {
        let text: String
        do {
            text = try readText(file)
        } catch let e as UnreadableFile {
            throw ConfigError(file: file, keyPath: "", message: "cannot read the config file (\(e.reason))",
                              hint: "paths are relative to the current directory; the example configs are in configs/")
        }
        return try parse(yaml: text, file: file, overrides: overrides, requireFiles: requireFiles)
    }

    /// A config file's UTF-8 text.
    static func readText(_ file: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            let exists = FileManager.default.fileExists(atPath: file)
            throw UnreadableFile(reason: exists ? error.localizedDescription : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw UnreadableFile(reason: "not UTF-8 text") }
        return text
    }

    /// Why `readText` failed.
    struct UnreadableFile: Error { let reason: String }

    /// As `load(file:)`, from YAML text; `file` names the source in errors, and `_base_` paths
    /// are relative to its directory (to the current directory when nil).
    public static func parse(yaml: String, file: String? = nil, overrides: [String] = [],
                             requireFiles: Bool = false) throws -> TrainingConfig {
        var root = try YAMLTree.parse(yaml, file: file)
        guard case .mapping = root.kind else {
            throw YAMLTree.locate(ConfigError(file: file, keyPath: "", value: root.written,
                                              message: "a config must be a mapping of keys, got \(root.described)",
                                              hint: "start with e.g. 'name: my-run' on the first line"), root.origin)
        }
        root = try Inheritance.resolve(root, file: file)
        for o in overrides { try applyOverride(o, to: &root) }
        let ctx = DecodeContext(file: file)
        let config = try decode(root, ctx: ctx)
        let validator = Validator(config: config, ctx: ctx)
        try validator.run()
        if requireFiles { try validator.checkFiles() }
        return config
    }

    /// Checks ranges and the rules between fields (mode requirements and the like) of a config
    /// built or changed in code. Errors carry the key path but no file position.
    public func validate() throws {
        try Validator(config: self, ctx: DecodeContext(file: nil)).run()
    }

    /// Splits `key.path=value`, parses the value as YAML and splices it into the tree.
    static func applyOverride(_ text: String, to root: inout YNode) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw ConfigError(override: text, keyPath: "", message: "expected key.path=value",
                              hint: "e.g. --set train.batch_size=4, --set train.lr_steps=[300,400]")
        }
        let keyPath = text[..<eq].trimmingCharacters(in: .whitespaces)
        let valueText = String(text[text.index(after: eq)...])
        let segments = keyPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !keyPath.isEmpty, segments.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw ConfigError(override: text, keyPath: keyPath, message: "malformed key path '\(keyPath)'",
                              hint: "keys are separated by dots, e.g. train.batch_size")
        }
        let value = try YAMLTree.parseOverrideValue(valueText, override: text, keyPath: keyPath)
        try YAMLTree.set(segments, to: value, in: &root, override: text)
    }
}

extension Validator {
    /// Checkpoints and COCO files named by the config exist.
    func checkFiles() throws {
        let fm = FileManager.default
        // A checkpoint may be a weights file or a directory (a run's work dir, a checkpoint
        // directory): Training resolves which file when it loads it.
        var paths: [(String, String?, Bool?)] = [
            ("network_a.checkpoint", config.networkA.checkpoint, nil),
            ("network_b.checkpoint", config.networkB?.checkpoint, nil),
            ("network_a.init_from", config.networkA.initFrom, false),
            ("network_b.init_from", config.networkB?.initFrom, false),
            ("network_a.backbone_weights", config.networkA.backboneWeights, false),
            ("network_b.backbone_weights", config.networkB?.backboneWeights, false),
        ]
        if config.data.dataset == .coco {
            paths += [("data.train_annotations", config.data.trainAnnotations, false),
                      ("data.train_images", config.data.trainImages, true),
                      ("data.val_annotations", config.data.valAnnotations, false),
                      ("data.val_images", config.data.valImages, true)]
        }
        for (key, path, wantDirectory) in paths {
            guard let path else { continue }
            var isDirectory: ObjCBool = false
            if !fm.fileExists(atPath: path, isDirectory: &isDirectory) {
                let what = wantDirectory.map { $0 ? "directory" : "file" } ?? "file or directory"
                var hint = "relative paths are resolved from the current directory (\(fm.currentDirectoryPath))"
                if key.hasSuffix("backbone_weights") {
                    let net = key.hasPrefix("network_a") ? config.networkA : config.networkB
                    hint += "; write it with launch/convert-torchvision-weights \(net?.backbone.depth.map(String.init) ?? "DEPTH") \(path)"
                }
                throw fail(key, value: path, "no such \(what): \(path)", hint: hint)
            }
            if let wantDirectory, isDirectory.boolValue != wantDirectory {
                throw fail(key, value: path, "\(path) is \(isDirectory.boolValue ? "a directory" : "a file"), expected a \(wantDirectory ? "directory" : "file")")
            }
        }
    }
}
