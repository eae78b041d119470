import Detection
import Foundation
import StrictJSON

/// Parses and validates the three sections of a COCO file for `COCODataset`, collecting
/// warnings when invalid entries are skipped.
struct COCOReader {
    let file: String
    let skipInvalid: Bool
    let tolerance: Float
    private(set) var warnings: [String] = []

    init(file: String, skipInvalid: Bool, tolerance: Float) {
        self.file = file
        self.skipInvalid = skipInvalid
        self.tolerance = tolerance
    }

    /// Throws `error`, or records it as a warning when skipping invalid entries.
    private mutating func reject(_ error: DatasetError) throws {
        guard skipInvalid else { throw error }
        warnings.append("skipped: \(error.description)")
    }

    private func fail(_ id: String? = nil, _ field: String? = nil, _ value: JSONValue? = nil,
                      _ message: String, hint: String? = nil) -> DatasetError {
        DatasetError(file: file, id: id, field: field, value: value?.text(), message: message, hint: hint)
    }

    /// A file-level error (no record).
    private func fail(_ message: String, hint: String? = nil) -> DatasetError {
        DatasetError(file: file, message: message, hint: hint)
    }

    // MARK: File

    mutating func parseFile(_ url: URL) throws -> [String: JSONValue] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw fail(exists ? "cannot read the annotation file" : "annotation file not found",
                       hint: exists ? "check the file permissions" : "check the path to the COCO JSON file")
        }
        let root: JSONValue
        do {
            root = try JSONValue.parse(data, file: file)
        } catch let e as JSONSyntaxError {
            throw DatasetError(file: file, id: "line \(e.line), column \(e.column)",
                               message: "invalid JSON: \(e.message)", hint: "the file is not valid JSON; was it truncated?")
        }
        guard let top = root.object else {
            throw fail("top level must be a JSON object with images, annotations and categories")
        }
        return top
    }

    private func section(_ top: [String: JSONValue], _ key: String, required: Bool) throws -> [JSONValue] {
        guard let value = top[key] else {
            if required { throw fail(nil, key, nil, "missing required section \"\(key)\"", hint: "is this a COCO detection file?") }
            return []
        }
        guard let items = value.array else { throw fail(nil, key, value, "\"\(key)\" must be an array") }
        return items
    }

    // MARK: Categories

    /// Categories sorted by id (class index order). Problems here always throw.
    mutating func categories(_ top: [String: JSONValue]) throws -> [(id: Int, name: String)] {
        var result: [(id: Int, name: String)] = []
        var seen = Set<Int>()
        for (i, item) in try section(top, "categories", required: true).enumerated() {
            let where_ = "categories[\(i)]"
            guard let entry = item.object else { throw fail(where_, nil, item, "category must be an object") }
            guard let id = entry["id"]?.int else {
                throw fail(where_, "id", entry["id"], "category id must be an integer")
            }
            guard let name = entry["name"]?.string, !name.isEmpty else {
                throw fail("category id \(id)", "name", entry["name"], "category name must be a non-empty string")
            }
            guard seen.insert(id).inserted else {
                throw fail("category id \(id)", "id", entry["id"], "duplicate category id", hint: "category ids must be unique")
            }
            result.append((id, name))
        }
        guard !result.isEmpty else { throw fail(nil, "categories", nil, "no categories defined") }
        return result.sorted { $0.id < $1.id }
    }

    // MARK: Images

    mutating func images(_ top: [String: JSONValue], checkFilesIn directory: URL?) throws -> [COCOImageRecord] {
        var records: [COCOImageRecord] = []
        var seen = Set<Int>()
        for (i, item) in try section(top, "images", required: true).enumerated() {
            guard let entry = item.object else { try reject(fail("images[\(i)]", nil, item, "image must be an object")); continue }
            guard let id = entry["id"]?.int else {
                try reject(fail("images[\(i)]", "id", entry["id"], "image id must be an integer")); continue
            }
            let recordName = "image id \(id)"
            guard let name = entry["file_name"]?.string, !name.isEmpty else {
                try reject(fail(recordName, "file_name", entry["file_name"], "file_name must be a non-empty string")); continue
            }
            guard let w = entry["width"]?.int, w > 0, let h = entry["height"]?.int, h > 0 else {
                let field = (entry["width"]?.int ?? 0) > 0 ? "height" : "width"
                try reject(fail(recordName, field, entry[field], "width and height must be positive integers")); continue
            }
            guard seen.insert(id).inserted else {
                try reject(fail(recordName, "id", entry["id"], "duplicate image id", hint: "image ids must be unique")); continue
            }
            if let directory, !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
                try reject(fail(recordName, "file_name", entry["file_name"],
                                "image file not found in \(directory.path)", hint: "check the image directory"))
                continue
            }
            records.append(COCOImageRecord(id: id, fileName: name, width: w, height: h,
                                           boxes: [], labels: [], crowd: [], annotationIds: []))
        }
        return records
    }

    // MARK: Annotations

    mutating func annotations(_ top: [String: JSONValue], into records: inout [COCOImageRecord],
                              classIndexById: [Int: Int]) throws {
        let position = Dictionary(uniqueKeysWithValues: records.enumerated().map { ($1.id, $0) })
        var seen = Set<Int>()
        for (i, item) in try section(top, "annotations", required: false).enumerated() {
            guard let entry = item.object else {
                try reject(fail("annotations[\(i)]", nil, item, "annotation must be an object")); continue
            }
            let imageId = entry["image_id"]?.int
            let recordName = (entry["id"]?.int.map { "annotation id \($0)" } ?? "annotations[\(i)]")
                + (imageId.map { " (image \($0))" } ?? "")
            guard let id = entry["id"]?.int else {
                try reject(fail(recordName, "id", entry["id"], "annotation id must be an integer")); continue
            }
            guard seen.insert(id).inserted else {
                try reject(fail(recordName, "id", entry["id"], "duplicate annotation id", hint: "annotation ids must be unique")); continue
            }
            guard let imageId, let slot = position[imageId] else {
                let problem = imageId == nil ? "image_id is missing or not an integer" : "refers to an unknown image"
                try reject(fail(recordName, "image_id", entry["image_id"], problem,
                                hint: "image_id must match an entry of \"images\"" + (skipInvalid ? " (that was not skipped)" : ""))); continue
            }
            let categoryId = entry["category_id"]?.int
            guard let categoryId, let classIndex = classIndexById[categoryId] else {
                let problem = categoryId == nil ? "category_id is missing or not an integer" : "refers to an unknown category"
                try reject(fail(recordName, "category_id", entry["category_id"], problem,
                                hint: "category_id must match an entry of \"categories\"")); continue
            }
            var crowd = false
            switch entry["iscrowd"] {
            case nil, .some(.null): crowd = false
            case .some(.bool(let b)): crowd = b
            case .some(let v) where v.int == 0 || v.int == 1: crowd = v.int == 1
            case .some(let v):
                try reject(fail(recordName, "iscrowd", v, "iscrowd must be 0 or 1")); continue
            }
            let record = records[slot]
            let box: BoxXYXY
            switch Self.validateBox(entry["bbox"], imageWidth: record.width, imageHeight: record.height, tolerance: tolerance) {
            case .success(let b): box = b
            case .failure(let problem):
                try reject(fail(recordName, "bbox", entry["bbox"], problem.message, hint: problem.hint)); continue
            }
            records[slot].boxes.append(box)
            records[slot].labels.append(classIndex)
            records[slot].crowd.append(crowd)
            records[slot].annotationIds.append(id)
        }
    }

    struct BoxProblem: Error, Equatable {
        var message: String
        var hint: String
    }

    /// Checks a COCO `bbox` (`[x, y, width, height]`) against a `width × height` image: four
    /// finite numbers, positive size, at most `tolerance` pixels outside the image; returns the
    /// box clipped to the image.
    static func validateBox(_ value: JSONValue?, imageWidth: Int, imageHeight: Int,
                            tolerance: Float) -> Result<BoxXYXY, BoxProblem> {
        let format = "bbox must be [x, y, width, height] in pixels"
        guard let items = value?.array, items.count == 4 else {
            return .failure(BoxProblem(message: "bbox must be an array of 4 numbers", hint: format))
        }
        let numbers = items.compactMap(\.double)
        guard numbers.count == 4 else {
            return .failure(BoxProblem(message: "bbox must contain only numbers", hint: format))
        }
        return validateBox(numbers, imageWidth: imageWidth, imageHeight: imageHeight, tolerance: tolerance)
    }

    static func validateBox(_ v: [Double], imageWidth: Int, imageHeight: Int,
                            tolerance: Float) -> Result<BoxXYXY, BoxProblem> {
        guard v.count == 4, v.allSatisfy(\.isFinite) else {
            return .failure(BoxProblem(message: "bbox contains NaN or infinite values",
                                       hint: "bbox must be [x, y, width, height] with finite numbers"))
        }
        guard v[2] > 0, v[3] > 0 else {
            return .failure(BoxProblem(message: "bbox width and height must be > 0",
                                       hint: "bbox is [x, y, width, height], not corner coordinates"))
        }
        let w = Double(imageWidth), h = Double(imageHeight), tol = Double(tolerance)
        guard v[0] >= -tol, v[1] >= -tol, v[0] + v[2] <= w + tol, v[1] + v[3] <= h + tol else {
            return .failure(BoxProblem(message: "bbox extends more than \(tolerance.formatted) px outside the \(imageWidth)x\(imageHeight) image",
                                       hint: "fix the box or the image width/height, or pass skipInvalid"))
        }
        let box = BoxXYXY(x1: Float(v[0]), y1: Float(v[1]), x2: Float(v[0] + v[2]), y2: Float(v[1] + v[3]))
            .clipped(width: Float(imageWidth), height: Float(imageHeight))
        guard box.width > 0, box.height > 0 else {
            return .failure(BoxProblem(message: "bbox lies on the image border (empty after clipping)",
                                       hint: "remove the annotation"))
        }
        return .success(box)
    }
}

private extension Float {
    /// `1` rather than `1.0` for whole numbers.
    var formatted: String { self == rounded() && abs(self) < 1e9 ? String(Int(self)) : String(self) }
}

private extension JSONValue {
    /// Compact JSON-like text for error messages, shortened to about `limit` characters.
    func text(limit: Int = 80) -> String {
        let full = render()
        return full.count <= limit ? full : String(full.prefix(limit)) + "…"
    }

    private func render() -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let n):
            return n.isFinite && n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map { $0.render() }.joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]?.render() ?? "null")" }.joined(separator: ", ") + "}"
        }
    }
}
