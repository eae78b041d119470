/// An axis-aligned box in COCO's `[x, y, width, height]` convention (pixels, top-left corner).
///
/// Encodes to / decodes from the 4-element JSON array COCO files use.
public struct COCOBox: Hashable, Sendable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// `width * height`, the area pycocotools' `loadRes` assigns to a detection.
    public var area: Double { width * height }

    /// Why this box is unusable (non-finite coordinate, negative size), or nil if it is fine.
    var problem: (reason: String, hint: String)? {
        if ![x, y, width, height].allSatisfy(\.isFinite) {
            return ("non-finite coordinate", "box coordinates must be finite numbers")
        }
        if width < 0 || height < 0 {
            return ("negative width or height",
                    "boxes are [x, y, width, height], not [x1, y1, x2, y2]; width and height must be >= 0")
        }
        return nil
    }

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        x = try c.decode(Double.self)
        y = try c.decode(Double.self)
        width = try c.decode(Double.self)
        height = try c.decode(Double.self)
        if !c.isAtEnd {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "a COCO box has exactly 4 numbers")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(x)
        try c.encode(y)
        try c.encode(width)
        try c.encode(height)
    }
}
