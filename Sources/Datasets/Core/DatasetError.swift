/// An error about dataset input, phrased so the user can find and fix the problem:
/// which file, which record (image/annotation id or JSON path), which field and value, and a hint.
///
/// `description` reads like
/// `instances_val.json: annotation id 17 (image 3): bbox = [1, 2, -3, 4]: width and height must be > 0`
/// followed by `\n  hint: …` (the hint style of every colad error).
public struct DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (path) the problem is in or about.
    public var file: String
    /// The record concerned, e.g. `"annotation id 17 (image 3)"`, `"image id 4"`, `"annotations[2]"`.
    public var id: String?
    /// The offending field, e.g. `"bbox"`.
    public var field: String?
    /// The offending value, rendered as text.
    public var value: String?
    /// What is wrong.
    public var message: String
    /// How to fix it.
    public var hint: String?

    public init(file: String, id: String? = nil, field: String? = nil, value: String? = nil,
                message: String, hint: String? = nil) {
        self.file = file; self.id = id; self.field = field; self.value = value
        self.message = message; self.hint = hint
    }

    public var description: String {
        var parts = [file]
        if let id { parts.append(id) }
        if let field {
            parts.append(value.map { "\(field) = \($0)" } ?? field)
        } else if let value {
            parts.append("value \(value)")
        }
        var text = parts.joined(separator: ": ") + ": " + message
        if let hint { text += "\n  hint: \(hint)" }   // the hint style of every colad error
        return text
    }
}
