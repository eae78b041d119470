import Detection

/// A batch ready for the network: normalised images in NHWC layout plus targets in
/// network-input coordinates.
public struct PreparedBatch: Sendable {
    /// `count · height · width · 3` floats: image-major, then row, column, channel (NHWC).
    public var images: [Float]
    /// Number of images N.
    public var count: Int
    /// The input canvas H × W every image is padded to (S × S for the square rule).
    public var height: Int
    public var width: Int
    /// Per image: boxes after resize/flip, clipped to the valid area; degenerate ones removed.
    public var boxes: [[BoxXYXY]]
    public var labels: [[Int]]
    /// Crowd flags parallel to `boxes` (all false when crowd boxes are dropped).
    public var crowd: [[Bool]]
    public var imageIds: [Int]
    /// Resize factors per image: input coordinates = image coordinates · scale (per axis).
    public var scales: [ResizeScale]
    /// Extent of the resized (unpadded) image inside the H×W input.
    public var validWidths: [Int]
    public var validHeights: [Int]
    /// Original image sizes.
    public var originalWidths: [Int]
    public var originalHeights: [Int]
    /// Whether each image was mirrored.
    public var flipped: [Bool]
    /// Boxes removed because width or height fell to ≤ `Preprocess.minBoxSize` pixels.
    public var droppedBoxes: Int

    /// The images as the network's [N, H, W, 3] input shape.
    public var inputShape: [Int] { [count, height, width, 3] }

    /// Maps a box predicted on input image `item` back to original image coordinates
    /// (`box / scale`, clipped). Undoes the flip if the image was flipped.
    public func toImageCoordinates(_ box: BoxXYXY, item: Int) -> BoxXYXY {
        var b = box
        if flipped[item] { b = b.flippedHorizontally(imageWidth: Float(validWidths[item])) }
        return b.unscaled(by: scales[item])
            .clipped(width: Float(originalWidths[item]), height: Float(originalHeights[item]))
    }
}
