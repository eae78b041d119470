/// A problem with a training configuration, for people to read.
///
/// Every error names where the offending text came from — the config file with line and
/// column, or the `--set` override — and the key path inside the document (`train.batch_size`,
/// `train.lr_steps[1]`, `""` for the whole document):
///
///     configs/paa-tiny.yaml:12:15: train.batch_size: expected an integer, got 'eight'
///     --set train.batch_sz=4: train.batch_sz: unknown key
///       hint: did you mean 'batch_size'?
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The config file as given to `load(file:)`; nil for text parsed without a file name and
    /// for problems in a `--set` override.
    public var file: String?
    /// 1-based line and column of the offending key or value in `file`, when known.
    public var line: Int?
    public var column: Int?
    /// The whole `--set` argument (`train.batch_size=4`) when the problem is in an override.
    public var override: String?
    /// Dotted path of the key: `train.lr_steps[1]`, `network_a.checkpoint`; "" for the document.
    public var keyPath: String
    /// The offending value (or key) as written, when there is one.
    public var value: String?
    /// What is wrong, e.g. "expected an integer, got 'eight'".
    public var message: String
    /// How to fix it, e.g. "did you mean 'batch_size'?".
    public var hint: String?

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, override: String? = nil,
                keyPath: String, value: String? = nil, message: String, hint: String? = nil) {
        self.file = file; self.line = line; self.column = column; self.override = override
        self.keyPath = keyPath; self.value = value; self.message = message; self.hint = hint
    }

    /// `FILE:LINE:COLUMN` or `--set TEXT`, whichever applies (empty when neither is known).
    public var location: String {
        if let override { return "--set \(override)" }
        guard let file else { return line.map { "line \($0)" + (column.map { ":\($0)" } ?? "") } ?? "" }
        var s = file
        if let line { s += ":\(line)"; if let column { s += ":\(column)" } }
        return s
    }

    public var description: String {
        var parts: [String] = []
        if !location.isEmpty { parts.append(location) }
        if !keyPath.isEmpty { parts.append(keyPath) }
        parts.append(message)
        var s = parts.joined(separator: ": ")
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}
