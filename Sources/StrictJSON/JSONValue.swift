import Foundation

/// A parsed JSON document. Callers read it field by field so that they can validate input and
/// report problems precisely (which file, which record, which field) in their own error types.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// An integral number that fits in Int64 (exact, even beyond 2^53).
    case integer(Int64)
    /// Any other number, including the NaN / Infinity literals `parse(_:file:allowNonFinite:)`
    /// can be told to accept.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses one complete JSON document (exact numbers, nesting limited to 512 levels).
    ///
    /// - Parameters:
    ///   - file: names the source in `JSONSyntaxError`; nil for in-memory input.
    ///   - allowNonFinite: accept the literals `NaN`, `Infinity` and `-Infinity` (as Python's
    ///     `json` writes them) as `.number`, so that a validator can name the offending record.
    ///     Off by default: they are not JSON.
    /// - Throws: `JSONSyntaxError` with the line and column of the first problem.
    public static func parse(_ data: Data, file: String?, allowNonFinite: Bool = false) throws -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data), file: file, allowNonFinite: allowNonFinite)
        return try parser.parseDocument()
    }

    public var object: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }

    /// The number as a Double, if this is a number.
    public var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// The number as an Int, if this is an integral number that fits (`3`, `3.0`, `3e2`).
    public var int: Int? {
        switch self {
        case .integer(let i): return Int(exactly: i)
        case .number(let d): return d.isFinite && d == d.rounded() ? Int(exactly: d) : nil
        default: return nil
        }
    }

    /// Short rendering of the value for error messages.
    public var brief: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .string(let s): return "\"" + (s.count > 40 ? String(s.prefix(40)) + "…" : s) + "\""
        case .array(let a): return a.count <= 6 ? "[" + a.map(\.brief).joined(separator: ", ") + "]"
                                                : "[\(a.count) elements]"
        case .object(let o): return "{object with \(o.count) keys}"
        }
    }
}
