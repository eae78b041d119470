// Box value types. Corners and regression deltas are distinct types so they cannot be mixed up;
// anchors are corner boxes. Gradients with respect to a box use the same type (same field order).

/// An axis-aligned box by its corners, in pixels: (x1, y1) top-left, (x2, y2) bottom-right.
/// Nothing enforces x1 ≤ x2: a decoded box can be inverted, and the overlap functions treat its
/// area as the signed product, as mmdet does.
public struct XYXYBox<Scalar: DetectionReal>: Hashable, Sendable {
    public var x1: Scalar
    public var y1: Scalar
    public var x2: Scalar
    public var y2: Scalar

    @inlinable public init(x1: Scalar, y1: Scalar, x2: Scalar, y2: Scalar) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    /// The box with zero in every field (a zero gradient).
    @inlinable public static var zero: Self { .init(x1: 0, y1: 0, x2: 0, y2: 0) }

    @inlinable public var width: Scalar { x2 - x1 }
    @inlinable public var height: Scalar { y2 - y1 }
    /// (x2 − x1)·(y2 − y1), signed, as in mmdet's `bbox_overlaps`.
    @inlinable public var area: Scalar { (x2 - x1) * (y2 - y1) }

    /// The fields in order [x1, y1, x2, y2].
    @inlinable public var array: [Scalar] { [x1, y1, x2, y2] }

    /// Converts between precisions (e.g. a `Float` box to `Double` for a reference check).
    @inlinable public init<T>(_ other: XYXYBox<T>) {
        self.init(x1: Scalar(other.x1), y1: Scalar(other.y1), x2: Scalar(other.x2), y2: Scalar(other.y2))
    }
}

/// Raw regression output of the box branch for one anchor, before the coder's stds:
/// (dx, dy) shift the centre in units of 10 % of the anchor size, (dw, dh) are log-scale changes
/// in units of 0.2 (see `DeltaXYWHCoder`).
public struct DeltaXYWH<Scalar: DetectionReal>: Hashable, Sendable {
    public var dx: Scalar
    public var dy: Scalar
    public var dw: Scalar
    public var dh: Scalar

    @inlinable public init(dx: Scalar, dy: Scalar, dw: Scalar, dh: Scalar) {
        self.dx = dx; self.dy = dy; self.dw = dw; self.dh = dh
    }

    @inlinable public static var zero: Self { .init(dx: 0, dy: 0, dw: 0, dh: 0) }

    /// The fields in order [dx, dy, dw, dh].
    @inlinable public var array: [Scalar] { [dx, dy, dw, dh] }

    @inlinable public init<T>(_ other: DeltaXYWH<T>) {
        self.init(dx: Scalar(other.dx), dy: Scalar(other.dy), dw: Scalar(other.dw), dh: Scalar(other.dh))
    }
}

/// A corner box in training precision. Anchors, decoded predictions and GT boxes are all this type.
public typealias BoxXYXY = XYXYBox<Float>
/// A regression delta in training precision.
public typealias BoxDelta = DeltaXYWH<Float>
