/// Minimal COCO ground truth for bbox evaluation: images, box annotations and categories.
///
/// Only the fields COCO bbox evaluation needs are kept. Category ids are arbitrary integers
/// (COCO's own are 1...90 with gaps). Build one in memory and call `validate()`, or load a
/// COCO instances JSON file with `GroundTruth(contentsOf:)`, which validates.
public struct GroundTruth: Hashable, Sendable, Codable {
    /// One image (`images[*]` in a COCO file).
    public struct Image: Hashable, Sendable, Codable {
        public var id: Int
        public var width: Int
        public var height: Int
        public var fileName: String

        public init(id: Int, width: Int, height: Int, fileName: String = "") {
            self.id = id
            self.width = width
            self.height = height
            self.fileName = fileName
        }

        enum CodingKeys: String, CodingKey {
            case id, width, height
            case fileName = "file_name"
        }
    }

    /// One box annotation (`annotations[*]`).
    public struct Annotation: Hashable, Sendable, Codable {
        public var id: Int
        public var imageId: Int
        public var categoryId: Int
        public var bbox: COCOBox
        /// COCO's `area` (for COCO itself the segmentation area, smaller than the box). It,
        /// not the box, decides the small/medium/large range. Nil means `bbox.width * bbox.height`.
        public var area: Double?
        /// Crowd region: never counted as a miss; detections matched to it are ignored.
        public var isCrowd: Bool

        public init(id: Int, imageId: Int, categoryId: Int, bbox: COCOBox, area: Double? = nil,
                    isCrowd: Bool = false) {
            self.id = id
            self.imageId = imageId
            self.categoryId = categoryId
            self.bbox = bbox
            self.area = area
            self.isCrowd = isCrowd
        }

        /// The area used for the area ranges: `area`, or the box area when absent.
        public var effectiveArea: Double { area ?? bbox.area }

        enum CodingKeys: String, CodingKey {
            case id, bbox, area
            case imageId = "image_id"
            case categoryId = "category_id"
            case isCrowd = "iscrowd"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(Int.self, forKey: .id)
            imageId = try c.decode(Int.self, forKey: .imageId)
            categoryId = try c.decode(Int.self, forKey: .categoryId)
            bbox = try c.decode(COCOBox.self, forKey: .bbox)
            area = try c.decodeIfPresent(Double.self, forKey: .area)
            isCrowd = (try c.decodeIfPresent(Int.self, forKey: .isCrowd) ?? 0) != 0
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(imageId, forKey: .imageId)
            try c.encode(categoryId, forKey: .categoryId)
            try c.encode(bbox, forKey: .bbox)
            try c.encodeIfPresent(area, forKey: .area)
            try c.encode(isCrowd ? 1 : 0, forKey: .isCrowd)
        }
    }

    /// One category (`categories[*]`).
    public struct Category: Hashable, Sendable, Codable {
        public var id: Int
        public var name: String

        public init(id: Int, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var images: [Image]
    public var annotations: [Annotation]
    public var categories: [Category]

    public init(images: [Image], annotations: [Annotation], categories: [Category]) {
        self.images = images
        self.annotations = annotations
        self.categories = categories
    }

    /// Checks the invariants evaluation relies on and throws the first violation:
    /// unique image / annotation / category ids, annotations referring to known images and
    /// categories, finite boxes with non-negative size, finite non-negative areas,
    /// non-negative image sizes. `file` is only used to name the source in errors.
    public func validate(file: String? = nil) throws {
        func fail(_ location: String, _ field: String?, _ value: String?, _ reason: String,
                  _ hint: String) -> EvaluationInputError {
            EvaluationInputError(file: file, location: location, field: field, value: value,
                                 reason: reason, hint: hint)
        }
        var imageIds = Set<Int>()
        for image in images {
            guard imageIds.insert(image.id).inserted else {
                throw fail("image id \(image.id)", "id", String(image.id), "duplicate image id",
                           "every image needs a unique id")
            }
            if image.width < 0 || image.height < 0 {
                throw fail("image id \(image.id)", "width/height", "\(image.width)x\(image.height)",
                           "negative image size", "image width and height must be >= 0")
            }
        }
        var categoryIds = Set<Int>()
        for category in categories {
            guard categoryIds.insert(category.id).inserted else {
                throw fail("category id \(category.id) (\"\(category.name)\")", "id", String(category.id),
                           "duplicate category id", "every category needs a unique id")
            }
        }
        var annotationIds = Set<Int>()
        for ann in annotations {
            let location = "annotation id \(ann.id) (image_id \(ann.imageId))"
            guard annotationIds.insert(ann.id).inserted else {
                throw fail(location, "id", String(ann.id), "duplicate annotation id",
                           "pycocotools indexes annotations by id, so ids must be unique")
            }
            guard imageIds.contains(ann.imageId) else {
                throw fail(location, "image_id", String(ann.imageId), "no image with this id",
                           "add the image to \"images\" or drop the annotation")
            }
            guard categoryIds.contains(ann.categoryId) else {
                throw fail(location, "category_id", String(ann.categoryId), "no category with this id",
                           "add the category to \"categories\" or drop the annotation")
            }
            if let problem = ann.bbox.problem {
                let b = ann.bbox
                throw fail(location, "bbox", "[\(b.x), \(b.y), \(b.width), \(b.height)]",
                           problem.reason, problem.hint)
            }
            if let area = ann.area, !(area.isFinite && area >= 0) {
                throw fail(location, "area", String(area), "area must be finite and >= 0",
                           "omit \"area\" to use width * height")
            }
        }
    }
}
