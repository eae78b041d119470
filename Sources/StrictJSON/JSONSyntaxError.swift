/// Malformed JSON: where the first problem is (1-based line and column, counted in bytes) and
/// what it is. Modules turn it into their own input error with their own hint.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `file` given to `JSONValue.parse`, nil for in-memory input.
    public var file: String?
    public var line: Int
    public var column: Int
    /// What is wrong, e.g. `expected ',' or ']'`; ends in `(unexpected end of file)` when the
    /// input stops early.
    public var message: String

    public init(file: String?, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        "\(file ?? "<in-memory>"): line \(line), column \(column): \(message)"
    }
}
