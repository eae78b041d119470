import Foundation
import StrictJSON

extension GroundTruth {
    /// Loads and validates a COCO instances JSON file (`images`, `annotations`, `categories`;
    /// other top-level keys and extra fields such as `segmentation` are ignored).
    ///
    /// Throws `EvaluationInputError` naming the file, the record and the field for malformed
    /// JSON, missing or mistyped fields, non-finite numbers, negative box sizes, duplicate ids
    /// and annotations referring to unknown images or categories.
    public init(contentsOf url: URL) throws {
        let data = try readInput(url)
        try self.init(jsonData: data, file: url.path)
    }

    /// Parses and validates COCO instances JSON; `file` names the source in errors.
    public init(jsonData data: Data, file: String? = nil) throws {
        let root = try JSONRecord(try JSONValue.parseInput(data, file: file), file: file, location: "top level")
        func list(_ key: String) throws -> [JSONValue] {
            guard let value = root.fields[key] else {
                throw root.error(key, nil, "missing required list",
                                 hint: "a COCO instances file has \"images\", \"annotations\" and \"categories\"")
            }
            guard case .array(let items) = value else {
                throw root.error(key, value.brief, "expected a list", hint: "\"\(key)\" must be a JSON array")
            }
            return items
        }

        var images: [Image] = []
        for (i, value) in try list("images").enumerated() {
            var r = try JSONRecord(value, file: file, location: "images[\(i)]")
            let id = try r.int("id")
            r.location = "image id \(id)"
            images.append(Image(id: id, width: try r.int("width"), height: try r.int("height"),
                                fileName: r.has("file_name") ? try r.string("file_name") : ""))
        }
        var categories: [Category] = []
        for (i, value) in try list("categories").enumerated() {
            var r = try JSONRecord(value, file: file, location: "categories[\(i)]")
            let id = try r.int("id")
            r.location = "category id \(id)"
            categories.append(Category(id: id, name: try r.string("name")))
        }
        var annotations: [Annotation] = []
        for (i, value) in try list("annotations").enumerated() {
            var r = try JSONRecord(value, file: file, location: "annotations[\(i)]")
            let id = try r.int("id")
            r.location = "annotation id \(id)"
            let imageId = try r.int("image_id")
            r.location = "annotation id \(id) (image_id \(imageId))"
            annotations.append(Annotation(
                id: id, imageId: imageId, categoryId: try r.int("category_id"), bbox: try r.box("bbox"),
                area: r.has("area") ? try r.finiteDouble("area") : nil, isCrowd: try r.flag("iscrowd")))
        }
        self.init(images: images, annotations: annotations, categories: categories)
        try validate(file: file)
    }
}

/// Reads a whole input file, mapping I/O failures to `EvaluationInputError`.
func readInput(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url)
    } catch {
        throw EvaluationInputError(file: url.path, location: "file", reason: "cannot read (\(error.localizedDescription))",
                                   hint: "check that the path exists and is readable")
    }
}
