import Foundation

/// A parsed JSON document, used by the loaders to validate input field by field and to report
/// problems precisely (which file, which record, which field).
enum JSONValue {
    case null
    case bool(Bool)
    /// An integral number that fits in Int64 (exact, even beyond 2^53).
    case integer(Int64)
    /// Any other number, including the NaN / Infinity literals the parser tolerates.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data` with `JSONParser` (exact number parsing, errors with line and column).
    static func parse(_ data: Data, file: String?) throws -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data), file: file)
        return try parser.parseDocument()
    }

    /// The number as a Double, if this is a number.
    var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// The number as an Int, if this is an integral number.
    var int: Int? {
        switch self {
        case .integer(let i): return Int(exactly: i)
        case .number(let d): return d.isFinite && d == d.rounded() ? Int(exactly: d) : nil
        default: return nil
        }
    }

    /// Short rendering of the value for error messages.
    var brief: String {
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

/// Reads typed fields of one JSON object (one image, annotation, detection, ...) and turns
/// every problem into an `EvaluationInputError` naming the file and the record.
struct JSONRecord {
    let fields: [String: JSONValue]
    let file: String?
    /// How the record is named in errors; updated by the caller once ids are known.
    var location: String

    init(_ value: JSONValue, file: String?, location: String) throws {
        guard case .object(let fields) = value else {
            throw EvaluationInputError(file: file, location: location, value: value.brief,
                                       reason: "expected a JSON object",
                                       hint: "each entry must be an object such as {\"id\": 1, ...}")
        }
        self.fields = fields
        self.file = file
        self.location = location
    }

    func error(_ field: String?, _ value: String?, _ reason: String, hint: String) -> EvaluationInputError {
        EvaluationInputError(file: file, location: location, field: field, value: value,
                             reason: reason, hint: hint)
    }

    private func required(_ key: String) throws -> JSONValue {
        guard let v = fields[key], !isNull(v) else {
            throw error(key, nil, "missing required field", hint: "add \"\(key)\" to every entry")
        }
        return v
    }

    private func isNull(_ v: JSONValue) -> Bool {
        if case .null = v { return true }
        return false
    }

    func has(_ key: String) -> Bool {
        guard let v = fields[key] else { return false }
        return !isNull(v)
    }

    func int(_ key: String) throws -> Int {
        let v = try required(key)
        guard let i = v.int else {
            throw error(key, v.brief, "expected an integer", hint: "ids must be integers")
        }
        return i
    }

    func finiteDouble(_ key: String) throws -> Double {
        let v = try required(key)
        guard let d = v.double else {
            throw error(key, v.brief, "expected a number", hint: "write \"\(key)\" as a JSON number")
        }
        guard d.isFinite else {
            throw error(key, v.brief, "non-finite number",
                        hint: "\"\(key)\" must be finite; filter out or fix NaN/Infinity values before writing")
        }
        return d
    }

    func string(_ key: String) throws -> String {
        let v = try required(key)
        guard case .string(let s) = v else {
            throw error(key, v.brief, "expected a string", hint: "write \"\(key)\" as a JSON string")
        }
        return s
    }

    /// `iscrowd`-style flag: 0/1 (or false/true); missing means false.
    func flag(_ key: String) throws -> Bool {
        guard let v = fields[key] else { return false }
        switch v {
        case .null: return false
        case .bool(let b): return b
        default:
            guard let i = v.int, i == 0 || i == 1 else {
                throw error(key, v.brief, "expected 0 or 1", hint: "\"\(key)\" is a 0/1 flag")
            }
            return i == 1
        }
    }

    /// A `[x, y, w, h]` box with finite coordinates and non-negative width and height.
    func box(_ key: String) throws -> COCOBox {
        let v = try required(key)
        guard case .array(let a) = v, a.count == 4 else {
            throw error(key, v.brief, "expected an array of 4 numbers [x, y, width, height]",
                        hint: "COCO boxes are [x, y, width, height] in pixels")
        }
        var xs = [Double]()
        for e in a {
            guard let d = e.double else {
                throw error(key, v.brief, "expected an array of 4 numbers",
                            hint: "COCO boxes are [x, y, width, height] in pixels")
            }
            xs.append(d)
        }
        let box = COCOBox(x: xs[0], y: xs[1], width: xs[2], height: xs[3])
        if let problem = box.problem {
            throw error(key, v.brief, problem.reason, hint: problem.hint)
        }
        return box
    }
}
