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
    public static func drawDetections(on image: RGBImage, boxes: [BoxXYXY], labels: [Int],
                                      scores: [Float]? = nil, classNames: [String],
                                      zoom: Int = 1, thickness: Int = 1) -> RGBImage {
        var out = enlarged(image, by: max(1, zoom))
        let z = Float(max(1, zoom))
        for (i, box) in boxes.enumerated() where i < labels.count {
            let colour = classColour(labels[i])
            let b = box.scaled(by: z)
            // A dark frame just outside the coloured outline keeps boxes visible on any background.
            drawRectangle(BoxXYXY(x1: b.x1 - 1, y1: b.y1 - 1, x2: b.x2 + 1, y2: b.y2 + 1),
                          colour: (0, 0, 0), thickness: 1, on: &out)
            drawRectangle(b, colour: colour, thickness: thickness, on: &out)
            var text = labels[i] >= 0 && labels[i] < classNames.count ? classNames[labels[i]] : "class \(labels[i])"
            if let scores, i < scores.count { text += " " + formatScore(scores[i]) }
            drawLabel(text, above: b, colour: colour, on: &out)
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

    /// A filled tag with `text` just above the box; below it when there is no room above, and
    /// inside its top edge when there is room neither above nor below.
    static func drawLabel(_ text: String, above box: BoxXYXY, colour: (UInt8, UInt8, UInt8),
                          on image: inout RGBImage) {
        let tagW = BitmapFont.width(of: text) + 2, tagH = BitmapFont.glyphHeight + 2
        guard box.x1.isFinite, box.y1.isFinite, box.y2.isFinite, image.width > 0, image.height > 0 else { return }
        let x = clampInt(box.x1.rounded(.down), 0, max(0, image.width - tagW))
        let top = clampInt(box.y1.rounded(.down), 0, image.height) - 1   // above the dark frame
        let bottom = clampInt(box.y2.rounded(.up), 0, image.height) + 1
        let y: Int
        if top - tagH >= 0 {
            y = top - tagH
        } else if bottom + tagH <= image.height {
            y = bottom
        } else {
            y = clampInt(box.y1.rounded(.down), 0, max(0, image.height - tagH))
        }
        for yy in max(0, y)..<min(image.height, y + tagH) {
            for xx in x..<min(image.width, x + tagW) { image[xx, yy] = colour }
        }
        let luma = 299 * Int(colour.0) + 587 * Int(colour.1) + 114 * Int(colour.2)
        let ink: (UInt8, UInt8, UInt8) = luma > 128_000 ? (0, 0, 0) : (255, 255, 255)
        BitmapFont.draw(text, x: x + 1, y: y + 1, colour: ink, on: &image)
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
