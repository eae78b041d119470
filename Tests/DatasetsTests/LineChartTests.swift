import Foundation
import XCTest
@testable import Datasets

/// The chart's layout and pixels: tick labels inside their panel, the y label rotated left of the
/// axis, bands tinted between low and high, tick labels that tell apart values of any range.
final class LineChartTests: XCTestCase {
    func chart(xEnd: Double, panels: Int = 2, yLabel: String = "loss", band: Bool = false) -> LineChart {
        let points = stride(from: 0.0, through: xEnd, by: xEnd / 20).map { (x: $0, y: 2.1 + 0.5 * $0 / xEnd) }
        let series = LineChart.Series(label: "run a", points: points,
                                      band: band ? points.map { (x: $0.x, low: $0.y - 0.2, high: $0.y + 0.2) } : nil)
        return LineChart(panels: (0..<panels).map { LineChart.Panel(title: "panel \($0)", series: [series]) },
                         xLabel: "iteration", yLabel: yLabel)
    }

    /// Pixels that differ between two renders of the same size.
    func diff(_ a: RGBImage, _ b: RGBImage) -> [(x: Int, y: Int)] {
        XCTAssertEqual(a.width, b.width); XCTAssertEqual(a.height, b.height)
        return (0..<a.height).flatMap { y in (0..<a.width).compactMap { x in a[x, y] == b[x, y] ? nil : (x: x, y: y) } }
    }

    func testTickLabelsStayInsideTheirPanel() {
        for xEnd in [4000.0, 123457, 7, 2_500_000] {
            let c = chart(xEnd: xEnd), height = c.render().height
            for p in 0..<2 {
                let l = c.layout(p)
                XCTAssertGreaterThanOrEqual(l.xTickLabels.count, 2, "x range 0…\(xEnd)")
                for t in l.xTickLabels + l.yTickLabels {
                    XCTAssertTrue(t.x >= l.left && t.x + t.width <= l.right && t.y >= 0 && t.y + t.height <= height,
                                  "label \(t.text) at \(t.x)…\(t.x + t.width) outside panel \(l.left)..<\(l.right) (x range 0…\(xEnd))")
                }
                for (a, b) in zip(l.xTickLabels, l.xTickLabels.dropFirst()) {
                    XCTAssertLessThan(a.x + a.width, b.x, "labels \(a.text) and \(b.text) touch (x range 0…\(xEnd))")
                }
                // Every label sits centred under its tick: the right margin makes room for the last one.
                for (t, v) in zip(l.xTickLabels, l.x.ticks) { XCTAssertEqual(t.x, l.px(v) - t.width / 2, "label \(t.text)") }
            }
        }
        XCTAssertEqual(chart(xEnd: 4000).layout(1).xTickLabels.last?.text, "4000", "the end of the range is labelled")
    }

    func testYLabelIsRotatedLeftOfTheAxis() {
        let c = chart(xEnd: 4000, panels: 1)
        let with = c.render(), without = chart(xEnd: 4000, panels: 1, yLabel: "").render()
        let ink = diff(with, without), l = c.layout(0)
        XCTAssertFalse(ink.isEmpty)
        for q in ink {
            XCTAssertTrue(q.x >= l.left && q.x < l.plotLeft, "label pixel (\(q.x), \(q.y)) not left of the y axis at \(l.plotLeft)")
            XCTAssertTrue(q.y >= l.plotTop && q.y <= l.plotBottom, "label pixel (\(q.x), \(q.y)) outside the axis' height")
            XCTAssertFalse(q.x > l.plotRight - 100 && q.y < l.plotTop, "label pixel (\(q.x), \(q.y)) in the top-right corner")
        }
        // Turned: the ink is one glyph high across and the text's width tall; it clears the tick labels.
        let xs = ink.map(\.x), ys = ink.map(\.y)
        XCTAssertLessThanOrEqual(xs.max()! - xs.min()! + 1, BitmapFont.glyphHeight)
        XCTAssertEqual(Double(ys.max()! - ys.min()! + 1), Double(BitmapFont.width(of: "loss")), accuracy: 2)   // blank glyph edges aside
        XCTAssertLessThan(xs.max()!, l.yTickLabels.map(\.x).min()!)
        // Read bottom to top: the stem of "l", the only full-height stroke of "loss", lies on its side at the bottom.
        let stems = Set(ys).filter { y in ink.filter { $0.y == y }.count == BitmapFont.glyphHeight }
        XCTAssertEqual(stems.count, 1)
        XCTAssertGreaterThanOrEqual(stems.first ?? 0, ys.max()! - 2)
    }

    func testBandIsTintedBetweenLowAndHigh() {
        let points = (0...10).map { (x: Double($0), y: 1.0) }
        let band = (2...8).map { (x: Double($0), low: 0.5, high: 1.5) }
        let c = LineChart(panels: [.init(title: "t", series: [.init(label: "mean", points: points, band: band)])], xLabel: "x", yLabel: "y")
        let image = c.render(), l = c.layout(0), tint = LineChart.tint(LineChart.colour(0))
        XCTAssertFalse(tint == (255, 255, 255) || tint == LineChart.colour(0))
        func tinted(_ x: Int) -> [Int] { (0..<image.height).filter { image[x, $0] == tint } }
        let top = l.py(1.5), bottom = l.py(0.5)
        for x in [l.px(3), l.px(5) + 1, l.px(7)] {
            let ys = tinted(x)
            XCTAssertTrue(ys.allSatisfy { $0 >= top && $0 <= bottom }, "column \(x): tint outside \(top)…\(bottom): \(ys)")
            XCTAssertGreaterThan(ys.count, (bottom - top) * 3 / 4, "column \(x): band mostly tinted")
        }
        for x in [l.px(1), l.px(9), l.px(2) - 1, l.px(8) + 1] { XCTAssertEqual(tinted(x), [], "column \(x) is outside the band") }
        // The band widens the y range: its high end is inside the plot.
        XCTAssertGreaterThanOrEqual(top, l.plotTop)
    }

    func testMarkersOnlyOnShortSeries() {
        func hasMarker(_ n: Int) -> Bool {
            let points = (0..<n).map { (x: Double($0), y: 1.0) }
            let c = LineChart(panels: [.init(title: "t", series: [.init(label: "s", points: points)])], xLabel: "x", yLabel: "y")
            let l = c.layout(0), q = points[n / 2]
            return c.render()[l.px(q.x), l.py(q.y) - 2] == LineChart.colour(0)   // above the 2-pixel line
        }
        XCTAssertTrue(hasMarker(50))
        XCTAssertFalse(hasMarker(51))
        XCTAssertFalse(hasMarker(100_000))
    }

    /// Ticks for data far from [0, 1]: distinct labels that increase and read as their tick values.
    func testTickLabelsForAnyRange() {
        let cases: [([Double], Bool)] = [([2.1, 2.6], false), ([2.1, 2.6], true), ([1e-4, 1e-2], false), ([1e-4, 1e-2], true),
                                         ([0, 1e-4], true), ([1e-7, 3e-7], false), ([-0.3, 2.5], true), ([-7, -3], true),
                                         ([0.3, 0.3], true), ([5e6, 9e6], false), ([], true)]
        for (values, fromZero) in cases {
            let axis = ChartAxis.enclosing(values, fromZero: fromZero, pixels: 300)
            let parsed = axis.labels.compactMap(Double.init)
            XCTAssertEqual(parsed.count, axis.labels.count, "unparseable labels \(axis.labels)")
            XCTAssertEqual(Set(axis.labels).count, axis.labels.count, "repeated labels \(axis.labels) for \(values)")
            XCTAssertEqual(parsed, parsed.sorted(), "labels \(axis.labels) for \(values)")
            XCTAssertGreaterThanOrEqual(axis.labels.count, 3, "\(axis.labels) for \(values)")
            for (label, tick) in zip(parsed, axis.ticks) { XCTAssertEqual(label, tick, accuracy: axis.step * 1e-3, "\(axis.labels)") }
            XCTAssertLessThanOrEqual(axis.lo, values.min() ?? 0); XCTAssertGreaterThanOrEqual(axis.hi, values.max() ?? 1)
            if fromZero && (values.min() ?? 0) >= 0 { XCTAssertEqual(axis.lo, 0, "\(values) from zero") }
        }
        XCTAssertEqual(ChartAxis.enclosing([2.1, 2.6], fromZero: false, pixels: 300).labels, ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"])
        XCTAssertEqual(ChartAxis.enclosing([1e-4, 1e-2], fromZero: false, pixels: 300).labels,
                       ["0.000", "0.002", "0.004", "0.006", "0.008", "0.010"])
        XCTAssertEqual(ChartAxis.enclosing([2.1, 2.6], fromZero: true, pixels: 300).labels.first, "0.0")
        XCTAssertEqual(ChartAxis.enclosing([1e-7, 3e-7], fromZero: false, pixels: 300).labels.last, "3.0e-7")
        XCTAssertEqual(ChartAxis.enclosing([-7, -3], fromZero: true, pixels: 300).hi, -3, "negative data do not reach up to 0")
        XCTAssertEqual(ChartAxis.spanning([1, 2, 3], pixels: 300).ticks, [0, 1, 2, 3], "whole steps for iterations")
    }
}
