import Detection

/// Renders samples and detections into RGB images for quick visual checks
/// (`colad dataset preview`, `colad detect`).
public enum Preview {
    /// A distinct colour per class (cycles after eight classes).
    public static func classColour(_ label: Int) -> (UInt8, UInt8, UInt8) {
        let palette: [(UInt8, UInt8, UInt8)] = [
            (255, 64, 64), (64, 220, 64), (80, 140, 255), (255, 210, 0),
            (255, 64, 255), (0, 230, 230), (255, 150, 40), (200, 200, 200),
        ]
        return palette[((label % palette.count) + palette.count) % palette.count]
    }

    /// Draws one image with boxes (per-class colour) and labels `"name"` or `"name 0.87"`.
    /// The image is enlarged `zoom` times (nearest neighbour) first so labels stay legible.
    /// Boxes are drawn last to first, so the first ones (pass them highest score first) end up
    /// on top; then the labels first to last, each where it overlaps no earlier label
    /// (`labelPlacement`), or not at all when there is no such place.
    public static func drawDetections(on image: RGBImage, boxes: [BoxXYXY], labels: [Int],
                                      scores: [Float]? = nil, classNames: [String],
                                      zoom: Int = 1, thickness: Int = 1) -> RGBImage {
        var out = enlarged(image, by: max(1, zoom))
        let z = Float(max(1, zoom))
        let count = min(boxes.count, labels.count)
        let scaled = boxes.prefix(count).map { $0.scaled(by: ResizeScale(z)) }
        for i in (0..<count).reversed() {
            let b = scaled[i]
            // A dark frame just outside the coloured outline keeps boxes visible on any background.
            drawRectangle(BoxXYXY(x1: b.x1 - 1, y1: b.y1 - 1, x2: b.x2 + 1, y2: b.y2 + 1),
                          colour: (0, 0, 0), thickness: 1, on: &out)
            drawRectangle(b, colour: classColour(labels[i]), thickness: thickness, on: &out)
        }
        var placed: [LabelRect] = []
        for i in 0..<count {
            var text = labels[i] >= 0 && labels[i] < classNames.count ? classNames[labels[i]] : "class \(labels[i])"
            if let scores, i < scores.count { text += " " + formatScore(scores[i]) }
            guard let rect = labelPlacement(text, box: scaled[i], avoiding: placed, width: out.width, height: out.height) else { continue }
            placed.append(rect)
            drawTag(text, at: rect, colour: classColour(labels[i]), on: &out)
        }
        return out
    }

    /// Lays samples out in a grid, `columns` per row, each drawn with `drawDetections`.
    /// `scores[i]`, when given, are the confidences of sample i's boxes.
    public static func renderGrid(samples: [Sample], classNames: [String], columns: Int,
                                  scores: [[Float]]? = nil, zoom: Int = 2) -> RGBImage {
        let gap = 4
        let cols = max(1, min(columns, max(samples.count, 1)))
        let rows = (samples.count + cols - 1) / cols
        let cellW = (samples.map(\.image.width).max() ?? 0) * max(1, zoom)
        let cellH = (samples.map(\.image.height).max() ?? 0) * max(1, zoom)
        var grid = RGBImage(width: max(1, gap + cols * (cellW + gap)), height: max(1, gap + rows * (cellH + gap)),
                            fill: (32, 32, 32))
        for (i, s) in samples.enumerated() {
            let tile = drawDetections(on: s.image, boxes: s.boxes, labels: s.labels,
                                      scores: scores.flatMap { i < $0.count ? $0[i] : nil },
                                      classNames: classNames, zoom: zoom)
            blit(tile, into: &grid, x: gap + (i % cols) * (cellW + gap), y: gap + (i / cols) * (cellH + gap))
        }
        return grid
    }

    /// `0.87`-style score text (two decimals, integer rounding).
    static func formatScore(_ score: Float) -> String {
        let hundredths = Int((min(max(score, 0), 1) * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// Outline covering the box's edge pixels, growing inwards with `thickness`.
    static func drawRectangle(_ box: BoxXYXY, colour: (UInt8, UInt8, UInt8), thickness: Int,
                              on image: inout RGBImage) {
        guard box.x1.isFinite, box.y1.isFinite, box.x2.isFinite, box.y2.isFinite else { return }
        let w = image.width, h = image.height
        let x0 = clampInt(box.x1.rounded(.down), 0, w - 1), x1 = clampInt(box.x2.rounded(.up) - 1, 0, w - 1)
        let y0 = clampInt(box.y1.rounded(.down), 0, h - 1), y1 = clampInt(box.y2.rounded(.up) - 1, 0, h - 1)
        guard x1 >= x0, y1 >= y0 else { return }
        for t in 0..<max(1, thickness) {
            for x in x0...x1 {
                if y0 + t <= y1 { image[x, y0 + t] = colour }
                if y1 - t >= y0 { image[x, y1 - t] = colour }
            }
            for y in y0...y1 {
                if x0 + t <= x1 { image[x0 + t, y] = colour }
                if x1 - t >= x0 { image[x1 - t, y] = colour }
            }
        }
    }

    /// A label's tag: pixel rectangle [x, x + width) × [y, y + height).
    struct LabelRect: Equatable {
        var x, y, width, height: Int

        func overlaps(_ o: LabelRect) -> Bool {
            x < o.x + o.width && o.x < x + width && y < o.y + o.height && o.y < y + height
        }
    }

    /// Where the tag of `text` goes for `box` in a `width × height` image: the first of just
    /// above the box, just below it, inside its top edge, one tag lower inside, one tag higher
    /// above, one tag lower below, that lies in the image and overlaps none of `placed`; nil
    /// when every one does (the label is left out rather than piled on another).
    static func labelPlacement(_ text: String, box: BoxXYXY, avoiding placed: [LabelRect],
                               width: Int, height: Int) -> LabelRect? {
        let tagW = BitmapFont.width(of: text) + 2, tagH = BitmapFont.glyphHeight + 2
        guard box.x1.isFinite, box.y1.isFinite, box.y2.isFinite, width > 0, height >= tagH else { return nil }
        let x = clampInt(box.x1.rounded(.down), 0, max(0, width - tagW))
        let top = clampInt(box.y1.rounded(.down), 0, height) - 1   // above the dark frame
        let bottom = clampInt(box.y2.rounded(.up), 0, height) + 1
        let inside = clampInt(box.y1.rounded(.down), 0, max(0, height - tagH))
        for y in [top - tagH, bottom, inside, inside + tagH, top - 2 * tagH, bottom + tagH] where y >= 0 && y + tagH <= height {
            let rect = LabelRect(x: x, y: y, width: min(tagW, width - x), height: tagH)
            if !placed.contains(where: { $0.overlaps(rect) }) { return rect }
        }
        return nil
    }

    /// A filled tag in the class colour with `text` in dark or light ink, whichever contrasts.
    static func drawTag(_ text: String, at r: LabelRect, colour: (UInt8, UInt8, UInt8), on image: inout RGBImage) {
        for yy in max(0, r.y)..<min(image.height, r.y + r.height) {
            for xx in max(0, r.x)..<min(image.width, r.x + r.width) { image[xx, yy] = colour }
        }
        let luma = 299 * Int(colour.0) + 587 * Int(colour.1) + 114 * Int(colour.2)
        let ink: (UInt8, UInt8, UInt8) = luma > 128_000 ? (0, 0, 0) : (255, 255, 255)
        BitmapFont.draw(text, x: r.x + 1, y: r.y + 1, colour: ink, on: &image)
    }

    static func enlarged(_ image: RGBImage, by zoom: Int) -> RGBImage {
        guard zoom > 1 else { return image }
        var out = RGBImage(width: image.width * zoom, height: image.height * zoom)
        for y in 0..<out.height {
            for x in 0..<out.width { out[x, y] = image[x / zoom, y / zoom] }
        }
        return out
    }

    static func blit(_ tile: RGBImage, into image: inout RGBImage, x: Int, y: Int) {
        for ty in 0..<tile.height where y + ty >= 0 && y + ty < image.height {
            for tx in 0..<tile.width where x + tx >= 0 && x + tx < image.width {
                image[x + tx, y + ty] = tile[tx, ty]
            }
        }
    }

    private static func clampInt(_ v: Float, _ lo: Int, _ hi: Int) -> Int {
        guard v.isFinite else { return lo }
        return Int(min(max(v, Float(lo)), Float(max(lo, hi))))
    }
}
