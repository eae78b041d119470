import Foundation
import StrictJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing COCO results files: a JSON list of
/// `{"image_id": int, "category_id": int, "bbox": [x, y, w, h], "score": float}`
/// (the format `pycocotools.COCO.loadRes` and mmdetection's `results2json` use).
public enum COCOResultsFile {
    /// Reads a results file. Extra fields per entry (e.g. `segmentation`) are ignored.
    ///
    /// Throws `EvaluationInputError` naming the file and the detection (index in the list and
    /// its image id) for malformed JSON, missing or mistyped fields, non-finite numbers
    /// (including `NaN` / `Infinity` literals as written by Python's `json`) and negative box
    /// sizes. Whether image and category ids exist is checked by `COCOEvaluator`.
    public static func read(from url: URL) throws -> [Detection] {
        try decode(jsonData: try readInput(url), file: url.path)
    }

    /// Parses results JSON; `file` names the source in errors.
    public static func decode(jsonData data: Data, file: String? = nil) throws -> [Detection] {
        let root = try JSONValue.parseInput(data, file: file)
        guard case .array(let items) = root else {
            throw EvaluationInputError(file: file, location: "top level", value: root.brief,
                                       reason: "expected a JSON list of detections",
                                       hint: "a COCO results file is a list of {image_id, category_id, bbox, score}")
        }
        var detections: [Detection] = []
        detections.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            var r = try JSONRecord(item, file: file, location: Detection.location(i, imageId: nil, categoryId: nil))
            let imageId = try r.int("image_id")
            r.location = Detection.location(i, imageId: imageId, categoryId: nil)
            let categoryId = try r.int("category_id")
            r.location = Detection.location(i, imageId: imageId, categoryId: categoryId)
            detections.append(Detection(imageId: imageId, categoryId: categoryId,
                                        bbox: try r.box("bbox"), score: try r.finiteDouble("score")))
        }
        return detections
    }

    /// Encodes detections as compact results JSON (one detection per line, numbers in
    /// shortest round-trip form, so reading back gives identical values).
    /// Throws `EvaluationInputError` for a non-finite score or box, which JSON cannot hold.
    public static func encode(_ detections: [Detection], file: String? = nil) throws -> Data {
        var text = "[\n"
        text.reserveCapacity(detections.count * 96 + 4)
        for (i, d) in detections.enumerated() {
            try check(d, index: i, file: file)
            let b = d.bbox
            text += "{\"image_id\":\(d.imageId),\"category_id\":\(d.categoryId),"
            text += "\"bbox\":[\(b.x),\(b.y),\(b.width),\(b.height)],\"score\":\(d.score)}"
            text += i + 1 < detections.count ? ",\n" : "\n"
        }
        text += "]\n"
        return Data(text.utf8)
    }

    /// Writes a results file atomically: the JSON goes to a temporary file in the same
    /// directory, which is then renamed over `url`, so readers never see a partial file.
    public static func write(_ detections: [Detection], to url: URL) throws {
        let data = try encode(detections, file: url.path)
        let directory = url.deletingLastPathComponent()
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temp)
        } catch {
            throw EvaluationInputError(file: url.path, location: "file",
                                       reason: "cannot write temporary file (\(error.localizedDescription))",
                                       hint: "check that the directory exists and is writable")
        }
        if rename(temp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw EvaluationInputError(file: url.path, location: "file",
                                       reason: "cannot move the temporary file into place (\(reason))",
                                       hint: "check that the destination is a writable file path")
        }
    }

    /// Throws if `d` cannot be written as JSON or evaluated (non-finite values, negative size).
    static func check(_ d: Detection, index: Int, file: String?) throws {
        let location = Detection.location(index, imageId: d.imageId, categoryId: d.categoryId)
        if !d.score.isFinite {
            throw EvaluationInputError(file: file, location: location, field: "score", value: String(d.score),
                                       reason: "non-finite score",
                                       hint: "scores must be finite; check the model output for NaN/Infinity")
        }
        if let problem = d.bbox.problem {
            let b = d.bbox
            throw EvaluationInputError(file: file, location: location, field: "bbox",
                                       value: "[\(b.x), \(b.y), \(b.width), \(b.height)]",
                                       reason: problem.reason, hint: problem.hint)
        }
    }
}
