/// A small line chart renderer (experiment curves, `colad plot`): side-by-side panels, each with
/// axes, nice ticks (`ChartAxis`) whose labels stay inside the panel, a y-axis label rotated
/// along the left of the axis, per series an optional light band (e.g. mean ± std over seeds)
/// under a polyline (point markers only for series of ≤ `markerLimit` points), and a legend.
/// Plain pixels and the preview font, so it needs no plotting library.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var label: String
        public var points: [(x: Double, y: Double)]
        /// Per x, a range drawn as a light tint of the series colour under the line.
        public var band: [(x: Double, low: Double, high: Double)]?
        public init(label: String, points: [(x: Double, y: Double)], band: [(x: Double, low: Double, high: Double)]? = nil) {
            self.label = label; self.points = points; self.band = band
        }
    }

    public struct Panel: Sendable {
        public var title: String
        public var series: [Series]
        /// This panel's y-axis label; nil: the chart's `yLabel`.
        public var yLabel: String?
        /// Data that are all ≥ 0 are shown from 0 (false: the axis fits the data).
        public var yFromZero: Bool
        public init(title: String, series: [Series], yLabel: String? = nil, yFromZero: Bool = true) {
            self.title = title; self.series = series; self.yLabel = yLabel; self.yFromZero = yFromZero
        }
    }

    public var panels: [Panel]
    public var xLabel: String
    public var yLabel: String
    public var panelWidth = 420
    public var panelHeight = 300
    /// Series with more points are drawn as lines only.
    public var markerLimit = 50

    public init(panels: [Panel], xLabel: String, yLabel: String) {
        self.panels = panels; self.xLabel = xLabel; self.yLabel = yLabel
    }

    static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ]
    static let ink: (UInt8, UInt8, UInt8) = (60, 60, 60)
    static let white: (UInt8, UInt8, UInt8) = (255, 255, 255)
    /// Opacity of a band over white: the tint of series i is `tint(colour(i))`.
    static let bandAlpha = 0.25
    static let plotTop = 24, xAxisArea = 30, legendRow = 11

    /// Colour of the i-th series of a panel.
    public static func colour(_ i: Int) -> (UInt8, UInt8, UInt8) { palette[i % palette.count] }

    /// A band's colour where it lies on white.
    static func tint(_ c: (UInt8, UInt8, UInt8)) -> (UInt8, UInt8, UInt8) { blend(white, c, bandAlpha) }

    static func blend(_ under: (UInt8, UInt8, UInt8), _ over: (UInt8, UInt8, UInt8), _ a: Double) -> (UInt8, UInt8, UInt8) {
        func mix(_ u: UInt8, _ o: UInt8) -> UInt8 { UInt8((Double(u) * (1 - a) + Double(o) * a).rounded()) }
        return (mix(under.0, over.0), mix(under.1, over.1), mix(under.2, over.2))
    }

    /// A text's place in pixels; a rotated text's box is `glyphHeight` wide and its length tall.
    struct TextBox: Equatable {
        var text: String
        var x: Int, y: Int, width: Int, height: Int
    }

    /// Where everything of one panel goes. The panel owns columns `left ..< right`; the y axis is
    /// the column `plotLeft`, the x axis the row `plotBottom`.
    struct PanelLayout {
        var left: Int, right: Int
        var plotLeft: Int, plotRight: Int, plotTop: Int, plotBottom: Int
        var x: ChartAxis, y: ChartAxis
        var xTickLabels: [TextBox], yTickLabels: [TextBox]
        var yLabel: TextBox

        func px(_ v: Double) -> Int { plotLeft + Int(((v - x.lo) / (x.hi - x.lo) * Double(plotRight - plotLeft)).rounded()) }
        func py(_ v: Double) -> Int { plotBottom - Int(((v - y.lo) / (y.hi - y.lo) * Double(plotBottom - plotTop)).rounded()) }
    }

    func layout(_ p: Int) -> PanelLayout {
        let panel = panels[p]
        let left = p * panelWidth, right = left + panelWidth
        let top = LineChart.plotTop, bottom = LineChart.plotTop + panelHeight
        let points = panel.series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let bands = panel.series.flatMap { $0.band ?? [] }.filter { $0.x.isFinite && $0.low.isFinite && $0.high.isFinite }
        let y = ChartAxis.enclosing(points.map(\.y) + bands.flatMap { [$0.low, $0.high] }, fromZero: panel.yFromZero, pixels: panelHeight)
        // Left of the axis: margin, the rotated label, a gap, the widest tick label, a tick mark.
        let tickWidth = y.labels.map { BitmapFont.width(of: $0) }.max() ?? 0
        let plotLeft = left + 3 + BitmapFont.glyphHeight + 5 + tickWidth + 6
        let x = ChartAxis.spanning(points.map(\.x) + bands.map(\.x), pixels: right - 12 - plotLeft)
        // Right: room for half the last tick label, so it sits centred under its tick.
        let plotRight = right - max(12, BitmapFont.width(of: x.labels.last ?? "") / 2 + 3)
        var l = PanelLayout(left: left, right: right, plotLeft: plotLeft, plotRight: plotRight, plotTop: top, plotBottom: bottom,
                            x: x, y: y, xTickLabels: [], yTickLabels: [], yLabel: TextBox(text: "", x: 0, y: 0, width: 0, height: 0))
        let h = BitmapFont.glyphHeight
        l.xTickLabels = zip(x.ticks, x.labels).map { v, s in
            let w = BitmapFont.width(of: s)
            return TextBox(text: s, x: min(max(l.px(v) - w / 2, left + 1), right - 1 - w), y: bottom + 5, width: w, height: h)
        }
        l.yTickLabels = zip(y.ticks, y.labels).map { v, s in
            let w = BitmapFont.width(of: s)
            return TextBox(text: s, x: plotLeft - 6 - w, y: l.py(v) - h / 2, width: w, height: h)
        }
        let text = panel.yLabel ?? yLabel, length = BitmapFont.width(of: text)
        l.yLabel = TextBox(text: text, x: left + 3, y: max(0, (top + bottom) / 2 - length / 2), width: h, height: length)
        return l
    }

    public func render() -> RGBImage {
        let legendRows = panels.map(\.series.count).max() ?? 0
        let height = LineChart.plotTop + panelHeight + LineChart.xAxisArea + legendRows * LineChart.legendRow + 6
        var image = RGBImage(width: max(1, panels.count) * panelWidth, height: height, fill: LineChart.white)
        for p in panels.indices { draw(panels[p], layout(p), on: &image) }
        return image
    }

    private func draw(_ panel: Panel, _ l: PanelLayout, on image: inout RGBImage) {
        for (s, series) in panel.series.enumerated() { drawBand(series.band ?? [], LineChart.colour(s), l, &image) }
        // Grid, axes, ticks and their labels.
        for v in l.y.ticks {
            let yy = l.py(v)
            for x in l.plotLeft...l.plotRight where x % 3 == 0 { image[x, yy] = (225, 225, 225) }
            line(l.plotLeft - 3, yy, l.plotLeft, yy, (0, 0, 0), &image, thick: false)
        }
        for v in l.x.ticks { line(l.px(v), l.plotBottom, l.px(v), l.plotBottom + 3, (0, 0, 0), &image, thick: false) }
        for t in l.xTickLabels + l.yTickLabels { BitmapFont.draw(t.text, x: t.x, y: t.y, colour: LineChart.ink, on: &image) }
        line(l.plotLeft, l.plotBottom, l.plotRight, l.plotBottom, (0, 0, 0), &image)
        line(l.plotLeft, l.plotTop, l.plotLeft, l.plotBottom, (0, 0, 0), &image)
        BitmapFont.draw(panel.title, x: l.plotLeft, y: 6, colour: (0, 0, 0), on: &image)
        BitmapFont.draw(xLabel, x: (l.plotLeft + l.plotRight) / 2 - BitmapFont.width(of: xLabel) / 2, y: l.plotBottom + 17,
                        colour: LineChart.ink, on: &image)
        drawRotated(l.yLabel, &image)
        // Series and legend.
        for (s, series) in panel.series.enumerated() {
            let c = LineChart.colour(s)
            let pts = series.points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
            for (a, b) in zip(pts, pts.dropFirst()) { line(l.px(a.x), l.py(a.y), l.px(b.x), l.py(b.y), c, &image) }
            if pts.count <= max(1, markerLimit) {
                for q in pts { for dy in -2...2 { for dx in -2...2 { set(l.px(q.x) + dx, l.py(q.y) + dy, c, &image) } } }
            }
            let ly = l.plotBottom + LineChart.xAxisArea + 4 + s * LineChart.legendRow
            for dy in 0..<7 { for dx in 0..<12 { set(l.plotLeft + dx, ly + dy, c, &image) } }
            let room = max(0, (l.right - l.plotLeft - 18) / BitmapFont.advance)
            let label = series.label.count <= room ? series.label : String(series.label.prefix(max(0, room - 2))) + ".."
            BitmapFont.draw(label, x: l.plotLeft + 16, y: ly, colour: (0, 0, 0), on: &image)
        }
    }

    /// The band as vertical spans, low and high interpolated linearly between its x values,
    /// blended over what is there (overlapping bands mix).
    private func drawBand(_ band: [(x: Double, low: Double, high: Double)], _ c: (UInt8, UInt8, UInt8), _ l: PanelLayout,
                          _ image: inout RGBImage) {
        let pts = band.filter { $0.x.isFinite && $0.low.isFinite && $0.high.isFinite }.sorted { $0.x < $1.x }
        func span(_ x: Int, _ low: Double, _ high: Double) {
            let ya = max(l.plotTop, min(l.py(high), l.py(low))), yb = min(l.plotBottom, max(l.py(high), l.py(low)))
            guard x >= l.plotLeft, x <= l.plotRight, ya <= yb else { return }
            for y in ya...yb { image[x, y] = LineChart.blend(image[x, y], c, LineChart.bandAlpha) }
        }
        if pts.count == 1 { span(l.px(pts[0].x), pts[0].low, pts[0].high) }
        for (i, (a, b)) in zip(pts, pts.dropFirst()).enumerated() {
            let xa = l.px(a.x), xb = l.px(b.x)
            for x in stride(from: i == 0 ? xa : xa + 1, through: xb, by: 1) {   // each column once
                let f = xb == xa ? 0 : Double(x - xa) / Double(xb - xa)
                span(x, a.low + f * (b.low - a.low), a.high + f * (b.high - a.high))
            }
        }
    }

    /// The text rendered into a small image, then copied turned 90° counter-clockwise into its
    /// box: read from bottom to top, the tops of the letters towards the left edge.
    private func drawRotated(_ box: TextBox, _ image: inout RGBImage) {
        guard box.height > 0 else { return }
        var glyphs = RGBImage(width: box.height, height: BitmapFont.glyphHeight, fill: LineChart.white)
        BitmapFont.draw(box.text, x: 0, y: 0, colour: LineChart.ink, on: &glyphs)
        for gy in 0..<glyphs.height {
            for gx in 0..<glyphs.width where glyphs[gx, gy] == LineChart.ink { set(box.x + gy, box.y + box.height - 1 - gx, LineChart.ink, &image) }
        }
    }

    private func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8), _ image: inout RGBImage) {
        if x >= 0, y >= 0, x < image.width, y < image.height { image[x, y] = c }
    }

    /// Bresenham line, two pixels thick unless `thick` is false.
    private func line(_ xa: Int, _ ya: Int, _ xb: Int, _ yb: Int, _ c: (UInt8, UInt8, UInt8), _ image: inout RGBImage, thick: Bool = true) {
        var x = xa, y = ya
        let dx = abs(xb - xa), dy = -abs(yb - ya), sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1
        var err = dx + dy
        for _ in 0...(dx - dy + 1) {
            set(x, y, c, &image)
            if thick { set(x + 1, y, c, &image); set(x, y + 1, c, &image) }
            if x == xb && y == yb { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}
