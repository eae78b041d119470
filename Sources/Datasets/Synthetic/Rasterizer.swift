/// A point in pixel coordinates (pixel (i, j) has its centre at (i + 0.5, j + 0.5)).
struct Point: Equatable, Sendable {
    var x: Float
    var y: Float
}

/// A horizontal run of pixels `x0..<x1` in row `y`, inside the image.
struct Span: Equatable, Sendable {
    var y: Int
    var x0: Int
    var x1: Int
}

/// Polygons rasterised by pixel-centre sampling with the even-odd rule.
struct Raster: Sendable {
    /// Covered runs inside the image, row by row.
    var spans: [Span] = []
    /// Covered pixels inside the image.
    var visiblePixels = 0
    /// Covered pixels including those outside the image (the shape's full area in pixels).
    var totalPixels = 0

    /// Rasterises one or more closed contours (even-odd: a contour inside another makes a
    /// hole) into a `width × height` image. A pixel is covered when its centre is inside.
    init(contours: [[Point]], width: Int, height: Int) {
        var minY = Float.infinity, maxY = -Float.infinity
        for c in contours where c.count >= 3 { for p in c { minY = min(minY, p.y); maxY = max(maxY, p.y) } }
        // Shapes come from the generator and are bounded; refuse anything absurd instead of trapping.
        guard minY.isFinite, maxY.isFinite, maxY > minY, minY > -1e6, maxY < 1e6 else { return }
        let firstRow = Int((minY - 0.5).rounded(.up))
        let endRow = Int((maxY - 0.5).rounded(.up))
        var xs: [Float] = []
        for row in firstRow..<endRow {
            let yc = Float(row) + 0.5
            xs.removeAll(keepingCapacity: true)
            for c in contours where c.count >= 3 {
                var a = c[c.count - 1]
                for b in c {
                    // Half-open rule: an edge covers a ≤ y < b (in either direction).
                    if (a.y <= yc && yc < b.y) || (b.y <= yc && yc < a.y) {
                        xs.append(a.x + (yc - a.y) * (b.x - a.x) / (b.y - a.y))
                    }
                    a = b
                }
            }
            xs.sort()
            var k = 0
            while k + 1 < xs.count {
                let x0 = Int((min(max(xs[k], -1e6), 1e6) - 0.5).rounded(.up))
                let x1 = Int((min(max(xs[k + 1], -1e6), 1e6) - 0.5).rounded(.up))
                k += 2
                guard x1 > x0 else { continue }
                totalPixels += x1 - x0
                guard row >= 0, row < height else { continue }
                let cx0 = max(x0, 0), cx1 = min(x1, width)
                if cx1 > cx0 {
                    spans.append(Span(y: row, x0: cx0, x1: cx1))
                    visiblePixels += cx1 - cx0
                }
            }
        }
    }
}
