import Foundation
import StrictJSON

extension JSONValue {
    /// Parses evaluator input with StrictJSON. `NaN` / `Infinity` literals are accepted only so
    /// that the validators can name the offending record; syntax errors become an
    /// `EvaluationInputError` with the line and column.
    static func parseInput(_ data: Data, file: String?) throws -> JSONValue {
        do {
            return try JSONValue.parse(data, file: file, allowNonFinite: true)
        } catch let e as JSONSyntaxError {
            throw EvaluationInputError(file: file, location: "line \(e.line), column \(e.column)",
                                       reason: "malformed JSON: \(e.message)",
                                       hint: "check that the file is complete (not truncated) and is valid JSON")
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
