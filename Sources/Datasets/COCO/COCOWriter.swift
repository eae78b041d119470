import Foundation

/// Counts from writing a dataset in COCO format.
public struct COCOWriteStats: Equatable, Sendable {
    public var images = 0
    public var annotations = 0
    public var crowdAnnotations = 0

    public init() {}
}

/// Writes any `DetectionDataset` as COCO detection data: one PNG per image (`000000.png`, …)
/// and one annotation JSON (written atomically: temporary file + rename).
///
/// Image ids are the samples' `imageId`; annotation ids count from 1; category ids are
/// `categoryIds[label]` (default `label + 1`); `bbox` is `[x, y, width, height]`; `area` is the
/// box area.
public enum COCOWriter {
    /// Writes every image of `dataset`. `progress(done, total)` is called after each image.
    @discardableResult
    public static func write(_ dataset: DetectionDataset, imageDirectory: URL, annotationFile: URL,
                             categoryIds: [Int]? = nil, description: String = "colad dataset",
                             progress: ((Int, Int) -> Void)? = nil) throws -> COCOWriteStats {
        let ids = categoryIds ?? dataset.classNames.indices.map { $0 + 1 }
        guard ids.count == dataset.classNames.count, Set(ids).count == ids.count else {
            throw DatasetError(file: annotationFile.path, field: "categoryIds", value: "\(ids)",
                               message: "need one distinct category id per class (\(dataset.classNames.count))")
        }
        try createDirectory(imageDirectory)
        try createDirectory(annotationFile.deletingLastPathComponent())

        var stats = COCOWriteStats()
        var images: [COCOImageEntry] = []
        var annotations: [COCOAnnotationEntry] = []
        for index in 0..<dataset.count {
            let sample = try dataset.load(index)
            let name = fileName(forIndex: index)
            try ImageCodec.write(sample.image, to: imageDirectory.appendingPathComponent(name), format: .png)
            images.append(COCOImageEntry(id: sample.imageId, file_name: name,
                                         width: sample.image.width, height: sample.image.height))
            for (k, box) in sample.boxes.enumerated() {
                let label = sample.labels[k]
                guard label >= 0, label < ids.count else {
                    throw DatasetError(file: annotationFile.path, id: "image id \(sample.imageId)", field: "label",
                                       value: "\(label)", message: "label outside 0..<\(ids.count)")
                }
                annotations.append(COCOAnnotationEntry(
                    id: annotations.count + 1, image_id: sample.imageId, category_id: ids[label],
                    bbox: box.xywh, area: box.area, iscrowd: sample.crowd[k] ? 1 : 0))
                if sample.crowd[k] { stats.crowdAnnotations += 1 }
            }
            stats.images += 1
            progress?(index + 1, dataset.count)
        }
        stats.annotations = annotations.count
        let file = COCOFileEntry(
            info: COCOInfoEntry(description: description, version: "1.0"), licenses: [],
            images: images, annotations: annotations,
            categories: zip(ids, dataset.classNames).map { COCOCategoryEntry(id: $0, name: $1) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(file), to: annotationFile)
        return stats
    }

    /// `000042.png` for index 42.
    public static func fileName(forIndex index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    static func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(file: url.path, message: "cannot create directory: \(error.localizedDescription)",
                               hint: "check the output path and permissions")
        }
    }
}

// JSON shapes of the COCO detection format (field names as in the format).
struct COCOFileEntry: Encodable {
    var info: COCOInfoEntry
    var licenses: [String]
    var images: [COCOImageEntry]
    var annotations: [COCOAnnotationEntry]
    var categories: [COCOCategoryEntry]
}

struct COCOInfoEntry: Encodable {
    var description: String
    var version: String
}

struct COCOImageEntry: Encodable {
    var id: Int
    var file_name: String
    var width: Int
    var height: Int
}

struct COCOAnnotationEntry: Encodable {
    var id: Int
    var image_id: Int
    var category_id: Int
    var bbox: [Float]
    var area: Float
    var iscrowd: Int
}

struct COCOCategoryEntry: Encodable {
    var id: Int
    var name: String
}
