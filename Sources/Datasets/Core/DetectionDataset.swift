import Detection

/// One image with its annotations, in the image's own pixel coordinates.
public struct Sample: Equatable, Sendable {
    public var image: RGBImage
    /// Object boxes; `labels[i]` and `crowd[i]` describe `boxes[i]`.
    public var boxes: [BoxXYXY]
    /// Contiguous class indices `0..<classNames.count`.
    public var labels: [Int]
    /// The dataset's image id (COCO `images[].id`; synthetic: index + 1).
    public var imageId: Int
    /// COCO `iscrowd` flags. Crowd boxes are not training targets but are kept for evaluation.
    public var crowd: [Bool]

    public init(image: RGBImage, boxes: [BoxXYXY], labels: [Int], imageId: Int, crowd: [Bool]? = nil) {
        precondition(boxes.count == labels.count, "Sample: \(boxes.count) boxes but \(labels.count) labels")
        self.image = image
        self.boxes = boxes
        self.labels = labels
        self.imageId = imageId
        self.crowd = crowd ?? [Bool](repeating: false, count: boxes.count)
        precondition(self.crowd.count == boxes.count, "Sample: crowd flags do not match boxes")
    }
}

/// A random-access detection dataset. The built-in `SyntheticDataset` and `COCODataset`
/// conform, so training and evaluation code does not care where images come from.
public protocol DetectionDataset {
    /// Number of images.
    var count: Int { get }
    /// Class names; labels index into this array.
    var classNames: [String] { get }
    /// Loads image `index` (`0..<count`) with its annotations.
    func load(_ index: Int) throws -> Sample
    /// Width and height of image `index`, without decoding it where the dataset records them
    /// (COCO `images[].width/height`); the padded canvas of a global batch is computed from them.
    func imageSize(_ index: Int) throws -> (width: Int, height: Int)
}

extension DetectionDataset {
    /// Decodes the image: datasets that record sizes answer without it.
    public func imageSize(_ index: Int) throws -> (width: Int, height: Int) {
        let image = try load(index).image
        return (image.width, image.height)
    }
}
