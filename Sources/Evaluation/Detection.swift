/// One detection result in the COCO results format:
/// `{"image_id": 42, "category_id": 3, "bbox": [x, y, w, h], "score": 0.9}`.
public struct Detection: Hashable, Sendable, Codable {
    /// Id of the image (must be an image of the ground truth being evaluated against).
    public var imageId: Int
    /// Category id as in the ground truth's `categories` (not a contiguous label index).
    public var categoryId: Int
    /// The box, `[x, y, width, height]` in pixels.
    public var bbox: COCOBox
    /// Confidence; detections are ranked by it (higher first).
    public var score: Double

    public init(imageId: Int, categoryId: Int, bbox: COCOBox, score: Double) {
        self.imageId = imageId
        self.categoryId = categoryId
        self.bbox = bbox
        self.score = score
    }

    enum CodingKeys: String, CodingKey {
        case imageId = "image_id"
        case categoryId = "category_id"
        case bbox
        case score
    }

    /// How detection `index` (0-based position in its list or file) is named in errors.
    static func location(_ index: Int, imageId: Int?, categoryId: Int?) -> String {
        var ids: [String] = []
        if let imageId { ids.append("image_id \(imageId)") }
        if let categoryId { ids.append("category_id \(categoryId)") }
        return "detection #\(index)" + (ids.isEmpty ? "" : " (" + ids.joined(separator: ", ") + ")")
    }
}
