/// A training run that cannot go on, with where and why.
public struct TrainingError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String
    public init(_ message: String, hint: String = "") { self.message = message; self.hint = hint }
    /// One hint style for every colad error (ConfigError, DatasetError, TensorBoardError too):
    /// the hint on its own line, indented under the message.
    public var description: String { hint.isEmpty ? message : "\(message)\n  hint: \(hint)" }
}
