import Foundation

/// A problem with the evaluator's input: a ground-truth file, a results file, or detections /
/// annotations handed over in memory.
///
/// The description names the file (or `<in-memory>`), where in it the problem is (for example
/// `detection #12 (image_id 999, category_id 3)` or `annotation id 57`), the field and its bad
/// value, what is wrong, and a hint on how to fix it:
///
///     dets.json: detection #12 (image_id 999, category_id 3): field "image_id" = 999: not an
///     image id of the ground truth. Hint: results must refer to images of the annotation file ...
public struct EvaluationInputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Path of the offending file, or nil for in-memory input.
    public var file: String?
    /// Where in the input: `detection #3 (image_id 7, category_id 1)`, `annotation id 12`,
    /// `images[4]`, `JSON document`, ...
    public var location: String
    /// The offending field (`score`, `bbox`, `image_id`, ...), if one field is to blame.
    public var field: String?
    /// The offending value as text, if there is one.
    public var value: String?
    /// What is wrong.
    public var reason: String
    /// How to fix it.
    public var hint: String

    public init(file: String?, location: String, field: String? = nil, value: String? = nil,
                reason: String, hint: String) {
        self.file = file
        self.location = location
        self.field = field
        self.value = value
        self.reason = reason
        self.hint = hint
    }

    public var description: String {
        var text = "\(file ?? "<in-memory>"): \(location): "
        switch (field, value) {
        case let (f?, v?): text += "field \"\(f)\" = \(v): "
        case let (f?, nil): text += "field \"\(f)\": "
        case let (nil, v?): text += "value \(v): "
        case (nil, nil): break
        }
        return text + reason + (hint.isEmpty ? "" : "\n  hint: " + hint)   // the hint style of every colad error
    }
}

extension EvaluationInputError: LocalizedError {
    public var errorDescription: String? { description }
}
