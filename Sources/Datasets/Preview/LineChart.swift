/// A small line chart renderer (experiment curves): side-by-side panels, each with axes, tick
/// labels, one polyline with point markers per series, and a legend. Plain pixels and the
/// preview font, so it needs no plotting library.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var label: String
        public var points: [(x: Double, y: Double)]
        public init(label: String, points: [(x: Double, y: Double)]) { self.label = label; self.points = points }
    }

    public struct Panel: Sendable {
        public var title: String
        public var series: [Series]
        public init(title: String, series: [Series]) { self.title = title; self.series = series }
    }

    public var panels: [Panel]
    public var xLabel: String
    public var yLabel: String
    public var panelWidth = 420
    public var panelHeight = 300

    public init(panels: [Panel], xLabel: String, yLabel: String) {
        self.panels = panels; self.xLabel = xLabel; self.yLabel = yLabel
    }

    static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ]

    /// Colour of the i-th series of a panel.
    public static func colour(_ i: Int) -> (UInt8, UInt8, UInt8) { palette[i % palette.count] }

    public func render() -> RGBImage {
        let legendRows = panels.map(\.series.count).max() ?? 0
        let plotTop = 24, left = 44, bottom = 30
        let legendHeight = legendRows * 11 + 6
        let height = plotTop + panelHeight + bottom + legendHeight
        var image = RGBImage(width: max(1, panels.count) * panelWidth, height: height, fill: (255, 255, 255))
        for (p, panel) in panels.enumerated() {
            let x0 = p * panelWidth + left, x1 = (p + 1) * panelWidth - 12
            let y0 = plotTop, y1 = plotTop + panelHeight
            let all = panel.series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
            let xMax = max(all.map(\.x).max() ?? 1, 1e-9), xMin = min(all.map(\.x).min() ?? 0, 0)
            let yMaxData = all.map(\.y).max() ?? 1
            let yMax = max(1e-9, (yMaxData * 1.1 * 25).rounded(.up) / 25), yMin = 0.0   // ticks on multiples of 0.01
            func px(_ x: Double) -> Int { x0 + Int(((x - xMin) / (xMax - xMin)) * Double(x1 - x0)) }
            func py(_ y: Double) -> Int { y1 - Int(((y - yMin) / (yMax - yMin)) * Double(y1 - y0)) }
            // Grid, axes, ticks.
            for k in 0...4 {
                let yv = yMin + (yMax - yMin) * Double(k) / 4, yy = py(yv)
                for x in x0...x1 where x % 3 == 0 { image[x, yy] = (225, 225, 225) }
                let label = format(yv)
                BitmapFont.draw(label, x: x0 - 4 - BitmapFont.width(of: label), y: yy - 3, colour: (60, 60, 60), on: &image)
                let xv = xMin + (xMax - xMin) * Double(k) / 4, xx = px(xv)
                let xl = String(Int(xv.rounded()))
                BitmapFont.draw(xl, x: xx - BitmapFont.width(of: xl) / 2, y: y1 + 4, colour: (60, 60, 60), on: &image)
            }
            line(x0, y1, x1, y1, (0, 0, 0), &image)
            line(x0, y0, x0, y1, (0, 0, 0), &image)
            BitmapFont.draw(panel.title, x: x0, y: 6, colour: (0, 0, 0), on: &image)
            BitmapFont.draw(xLabel, x: (x0 + x1) / 2 - BitmapFont.width(of: xLabel) / 2, y: y1 + 15, colour: (60, 60, 60), on: &image)
            BitmapFont.draw(yLabel, x: x1 - BitmapFont.width(of: yLabel), y: 6, colour: (60, 60, 60), on: &image)
            // Series and legend.
            for (s, series) in panel.series.enumerated() {
                let c = LineChart.colour(s)
                let pts = series.points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
                for (a, b) in zip(pts, pts.dropFirst()) { line(px(a.x), py(a.y), px(b.x), py(b.y), c, &image) }
                for q in pts {
                    for dy in -2...2 { for dx in -2...2 { set(px(q.x) + dx, py(q.y) + dy, c, &image) } }
                }
                let ly = y1 + bottom + 4 + s * 11
                for dy in 0..<7 { for dx in 0..<12 { set(x0 + dx, ly + dy, c, &image) } }
                BitmapFont.draw(series.label, x: x0 + 16, y: ly, colour: (0, 0, 0), on: &image)
            }
        }
        return image
    }

    private func format(_ v: Double) -> String {
        let h = Int((v * 100).rounded())
        return "\(h / 100).\(h % 100 < 10 ? "0" : "")\(h % 100)"
    }

    private func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8), _ image: inout RGBImage) {
        if x >= 0, y >= 0, x < image.width, y < image.height { image[x, y] = c }
    }

    /// Bresenham line, two pixels thick.
    private func line(_ xa: Int, _ ya: Int, _ xb: Int, _ yb: Int, _ c: (UInt8, UInt8, UInt8), _ image: inout RGBImage) {
        var x = xa, y = ya
        let dx = abs(xb - xa), dy = -abs(yb - ya), sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1
        var err = dx + dy
        for _ in 0...(dx - dy + 1) {
            set(x, y, c, &image); set(x + 1, y, c, &image); set(x, y + 1, c, &image)
            if x == xb && y == yb { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}
