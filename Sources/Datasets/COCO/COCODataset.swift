import Detection
import Foundation

/// One image entry of a COCO file with its validated annotations (image pixel coordinates).
public struct COCOImageRecord: Equatable, Sendable {
    public var id: Int
    public var fileName: String
    public var width: Int
    public var height: Int
    public var boxes: [BoxXYXY]
    /// Contiguous class indices (see `COCODataset.classIndex(forCategoryId:)`).
    public var labels: [Int]
    public var crowd: [Bool]
    /// Annotation ids, parallel to `boxes`.
    public var annotationIds: [Int]
}

/// A COCO-format detection dataset: an annotation JSON plus an image directory.
///
/// Category ids may be arbitrary; they are mapped to contiguous class indices in ascending id
/// order. `iscrowd` annotations are kept with `crowd = true` (for evaluation; not training
/// targets). Annotations are validated when the dataset is opened — bad ones throw a
/// `DatasetError` naming the file, the annotation/image id, field, value and a hint, or, with
/// `skipInvalid`, are skipped and listed in `warnings`. Boxes up to `boxTolerance` pixels outside
/// the image are clipped; beyond that they are invalid. Images are decoded in `load(_:)`;
/// an unreadable image throws there.
public struct COCODataset: DetectionDataset, Sendable {
    public let annotationFile: URL
    public let imageDirectory: URL
    /// Class names in class-index order.
    public let classNames: [String]
    /// `categoryIds[classIndex]` is the COCO category id.
    public let categoryIds: [Int]
    /// Images in file order (entries skipped by `skipInvalid` are absent).
    public let images: [COCOImageRecord]
    /// One message per skipped image or annotation (only with `skipInvalid`).
    public let warnings: [String]
    /// Number of skipped images and annotations.
    public var skippedCount: Int { warnings.count }

    private let classIndexById: [Int: Int]

    /// Opens and validates a COCO detection file.
    /// - Parameters:
    ///   - skipInvalid: skip bad images/annotations with a warning instead of throwing.
    ///   - boxTolerance: how far (pixels) a box may extend beyond the image before it is invalid.
    ///   - checkImageFiles: verify that every image file exists.
    public init(annotationFile: URL, imageDirectory: URL, skipInvalid: Bool = false,
                boxTolerance: Float = 1, checkImageFiles: Bool = true) throws {
        self.annotationFile = annotationFile
        self.imageDirectory = imageDirectory
        var reader = COCOReader(file: annotationFile.path, skipInvalid: skipInvalid, tolerance: boxTolerance)
        let root = try reader.parseFile(annotationFile)
        let categories = try reader.categories(root)
        classNames = categories.map(\.name)
        categoryIds = categories.map(\.id)
        classIndexById = Dictionary(uniqueKeysWithValues: categoryIds.enumerated().map { ($1, $0) })
        var records = try reader.images(root, checkFilesIn: checkImageFiles ? imageDirectory : nil)
        try reader.annotations(root, into: &records, classIndexById: classIndexById)
        images = records
        warnings = reader.warnings
    }

    public var count: Int { images.count }

    /// Total number of annotations kept (including crowd).
    public var annotationCount: Int { images.reduce(0) { $0 + $1.boxes.count } }

    /// Checks that the set has something to learn from: at least one (non-crowd) annotation.
    /// Images without objects are fine as long as some images have them. Throws a
    /// `DatasetError` naming the file; used for training sets (an evaluation set may be empty).
    public func requireAnnotations() throws {
        guard !images.contains(where: { $0.crowd.contains(false) }) else { return }
        let crowd = annotationCount
        let why = !warnings.isEmpty ? "every annotation was skipped as invalid (\(warnings.count) skipped)"
            : crowd > 0 ? "it has only crowd annotations (\(crowd)), which are not training targets"
            : "\"annotations\" is empty (or missing)"
        throw DatasetError(file: annotationFile.path, field: "annotations",
                           message: "no objects to train on in \(images.count) image\(images.count == 1 ? "" : "s"): \(why)",
                           hint: "is this the training annotation file? images without objects are allowed as long as some images have annotations")
    }

    /// The class index of a COCO category id, or nil if the id is unknown.
    public func classIndex(forCategoryId id: Int) -> Int? { classIndexById[id] }

    /// The COCO category id of a class index, or nil if out of range.
    public func categoryId(forClass index: Int) -> Int? {
        categoryIds.indices.contains(index) ? categoryIds[index] : nil
    }

    /// The annotation file's width and height (`load` checks the decoded image against them).
    public func imageSize(_ index: Int) throws -> (width: Int, height: Int) {
        guard images.indices.contains(index) else {
            throw DatasetError(file: annotationFile.path, value: "index \(index)",
                               message: "image index out of range 0..<\(images.count)")
        }
        return (images[index].width, images[index].height)
    }

    /// Decodes image `index` and returns it with its annotations.
    public func load(_ index: Int) throws -> Sample {
        guard images.indices.contains(index) else {
            throw DatasetError(file: annotationFile.path, value: "index \(index)",
                               message: "image index out of range 0..<\(images.count)")
        }
        let record = images[index]
        let url = imageDirectory.appendingPathComponent(record.fileName)
        let image: RGBImage
        do {
            image = try ImageCodec.read(contentsOf: url)
        } catch var error as DatasetError {
            error.id = "image id \(record.id)"
            throw error
        }
        guard image.width == record.width, image.height == record.height else {
            throw DatasetError(file: url.path, id: "image id \(record.id)", field: "size",
                               value: "\(image.width)x\(image.height)",
                               message: "image size differs from \(record.width)x\(record.height) in \(annotationFile.lastPathComponent)",
                               hint: "fix width/height in the annotation file or re-export the image")
        }
        return Sample(image: image, boxes: record.boxes, labels: record.labels, imageId: record.id, crowd: record.crowd)
    }
}
