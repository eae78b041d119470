/// The object classes of the built-in dataset; `rawValue` is the class index.
public enum SyntheticShape: Int, CaseIterable, Sendable {
    case circle, rectangle, triangle, ring, cross, star

    /// Class name as written to COCO `categories[].name`.
    public var name: String {
        switch self {
        case .circle: return "circle"
        case .rectangle: return "rectangle"
        case .triangle: return "triangle"
        case .ring: return "ring"
        case .cross: return "cross"
        case .star: return "star"
        }
    }

    /// Largest width:height ratio drawn for this class (capped by `SyntheticConfig.maxAspect`).
    func maxAspect(_ configured: Float) -> Float {
        switch self {
        case .rectangle: return configured
        case .triangle: return min(configured, 2)
        case .cross: return min(configured, 1.4)
        case .circle, .ring: return min(configured, 1.25)
        case .star: return min(configured, 1.2)
        }
    }

    /// Range of the class-specific shape parameter (see `ShapeSpec.parameter`).
    var parameterRange: (Float, Float) {
        switch self {
        case .circle, .rectangle: return (0, 0)
        case .triangle: return (-1, 1)      // apex offset along the top edge
        case .ring: return (0.45, 0.72)     // inner radius / outer radius
        case .cross: return (0.2, 0.38)     // arm half-thickness / arm half-length
        case .star: return (0.38, 0.55)     // inner radius / outer radius
        }
    }
}

/// Geometry of one shape: a unit shape in [-1, 1]², scaled by (rx, ry), rotated, translated.
struct ShapeSpec: Sendable {
    var shape: SyntheticShape
    var cx: Float = 0
    var cy: Float = 0
    /// Half-extents of the unit shape before rotation, in pixels.
    var rx: Float
    var ry: Float
    /// Rotation in turns.
    var rotation: Double
    /// Class-specific: triangle apex offset, ring/star inner ratio, cross arm thickness.
    var parameter: Float

    /// Closed contours in pixel coordinates (even-odd rule: the ring's inner circle is a hole).
    func contours() -> [[Point]] {
        let (s64, c64) = DetMath.sinCos(turns: rotation)
        let s = Float(s64), c = Float(c64)
        return unitContours().map { contour in
            contour.map { p in
                let u = p.x * rx, v = p.y * ry
                return Point(x: cx + c * u - s * v, y: cy + s * u + c * v)
            }
        }
    }

    private func unitContours() -> [[Point]] {
        switch shape {
        case .circle: return [Self.unitCircle]
        case .ring: return [Self.unitCircle, Self.unitCircle.map { Point(x: $0.x * parameter, y: $0.y * parameter) }]
        case .rectangle: return [[Point(x: -1, y: -1), Point(x: 1, y: -1), Point(x: 1, y: 1), Point(x: -1, y: 1)]]
        case .triangle: return [[Point(x: parameter, y: -1), Point(x: 1, y: 1), Point(x: -1, y: 1)]]
        case .cross:
            let t = parameter
            return [[Point(x: -t, y: -1), Point(x: t, y: -1), Point(x: t, y: -t), Point(x: 1, y: -t),
                     Point(x: 1, y: t), Point(x: t, y: t), Point(x: t, y: 1), Point(x: -t, y: 1),
                     Point(x: -t, y: t), Point(x: -1, y: t), Point(x: -1, y: -t), Point(x: -t, y: -t)]]
        case .star:
            return [(0..<10).map { k in
                let r = k % 2 == 0 ? Float(1) : parameter
                let (s, c) = DetMath.sinCos(turns: Double(k) / 10 - 0.25)
                return Point(x: r * Float(c), y: r * Float(s))
            }]
        }
    }

    /// A 48-gon approximating the unit circle (error < 0.25 px at radius 50).
    static let unitCircle: [Point] = (0..<48).map { k in
        let (s, c) = DetMath.sinCos(turns: Double(k) / 48)
        return Point(x: Float(c), y: Float(s))
    }
}
