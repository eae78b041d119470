/// A parsed JSON value. COCO files are read through this generic form so that every field can
/// be checked individually and reported with its record id, instead of failing a whole-file decode.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    var object: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var number: Double? { if case .number(let n) = self { return n }; return nil }

    /// The value as an Int when it is an integral number of magnitude < 2^53 (exact in Double).
    var int: Int? {
        guard case .number(let n) = self, n.isFinite, n == n.rounded(), abs(n) < 9_007_199_254_740_992 else { return nil }
        return Int(n)
    }

    /// Compact JSON-like text for error messages, shortened to about `limit` characters.
    func text(limit: Int = 80) -> String {
        let full = render()
        return full.count <= limit ? full : String(full.prefix(limit)) + "…"
    }

    private func render() -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            return n.isFinite && n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map { $0.render() }.joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]?.render() ?? "null")" }.joined(separator: ", ") + "}"
        }
    }
}
