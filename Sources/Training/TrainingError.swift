/// A training run that cannot go on, with where and why.
public struct TrainingError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String
    public init(_ message: String, hint: String = "") { self.message = message; self.hint = hint }
    public var description: String { hint.isEmpty ? message : "\(message)\nhint: \(hint)" }
}
