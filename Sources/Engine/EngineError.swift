/// An error for users: what file, which field, what value, and a hint to fix it.
public struct EngineError: Error, CustomStringConvertible, Equatable {
    public var file: String?
    public var field: String
    public var value: String
    public var hint: String

    public init(file: String?, field: String, value: String, hint: String) {
        self.file = file; self.field = field; self.value = value; self.hint = hint
    }

    public var description: String {
        var s = file.map { "\($0): " } ?? ""
        s += "\(field): \(value)"
        if !hint.isEmpty { s += "\nhint: \(hint)" }
        return s
    }
}
