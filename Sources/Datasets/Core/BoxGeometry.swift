import Detection

// Boxes are Detection's `BoxXYXY` (= `XYXYBox<Float>`: corners in pixels), shared with the
// detection parts so targets flow from the data layer to the assigner without conversion.
// Pixel (i, j) covers [i, i+1) × [j, j+1), so a box around exactly that pixel is (i, j, i+1, j+1).
// The helpers below are internal to Datasets (the geometry of resizing, flipping and COCO I/O).
extension XYXYBox where Scalar == Float {
    /// A box from COCO's `[x, y, width, height]`.
    init(x: Float, y: Float, width: Float, height: Float) {
        self.init(x1: x, y1: y, x2: x + width, y2: y + height)
    }

    /// COCO `[x, y, width, height]`.
    var xywh: [Float] { [x1, y1, x2 - x1, y2 - y1] }

    /// The box mirrored in an image of the given width (x ↦ width − x).
    func flippedHorizontally(imageWidth w: Float) -> BoxXYXY {
        BoxXYXY(x1: w - x2, y1: y1, x2: w - x1, y2: y2)
    }

    /// The box intersected with [0, width] × [0, height].
    func clipped(width w: Float, height h: Float) -> BoxXYXY {
        BoxXYXY(x1: min(max(x1, 0), w), y1: min(max(y1, 0), h),
                x2: min(max(x2, 0), w), y2: min(max(y2, 0), h))
    }
}
