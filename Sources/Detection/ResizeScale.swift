// The factors of an image resize, per axis: resized = original · (x, y).
//
//   x = resized width / original width,  y = resized height / original height
//
// A keep-ratio resize rounds each extent to whole pixels, so x and y differ slightly (by less
// than 0.5 px over the image); the pixels are resampled onto exactly the rounded extent, and boxes
// follow with the same two factors (mmdet's `w_scale`, `h_scale`; OpenCV's and PyTorch's bilinear
// resize to an output size use in/out per axis).

/// A resize's per-axis factors (resized = original · factor).
public struct ResizeScale: Hashable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    public var x: Float
    public var y: Float

    public init(x: Float, y: Float) {
        self.x = x
        self.y = y
    }

    /// The same factor on both axes.
    public init(_ s: Float) { self.init(x: s, y: s) }
    public init(floatLiteral value: Float) { self.init(value) }
    public init(integerLiteral value: Int) { self.init(Float(value)) }

    /// The factors that take `original` (width, height) to `resized`.
    public init(from original: (width: Int, height: Int), to resized: (width: Int, height: Int)) {
        self.init(x: Float(resized.width) / Float(max(original.width, 1)), y: Float(resized.height) / Float(max(original.height, 1)))
    }
}

extension XYXYBox where Scalar == Float {
    /// The box in resized coordinates (original · factor).
    public func scaled(by s: ResizeScale) -> BoxXYXY {
        BoxXYXY(x1: x1 * s.x, y1: y1 * s.y, x2: x2 * s.x, y2: y2 * s.y)
    }

    /// The box back in original coordinates (resized / factor).
    public func unscaled(by s: ResizeScale) -> BoxXYXY {
        BoxXYXY(x1: x1 / s.x, y1: y1 / s.y, x2: x2 / s.x, y2: y2 / s.y)
    }
}
