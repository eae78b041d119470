import Detection

/// One rendered synthetic image with its annotations and the visibility mask behind the boxes.
struct RenderedScene: Sendable {
    var image: RGBImage
    var boxes: [BoxXYXY]
    var labels: [Int]
    /// Per pixel: index of the annotation visible there, or −1.
    var mask: [Int16]
    /// Per annotation: visible pixels / full shape pixels.
    var visibleFractions: [Float]
}

/// Draws one synthetic scene from a keyed random stream. Layers, bottom to top:
/// background (colour or gradient, optional stripes and large faint blobs), distractors
/// drawn under objects, objects in draw order (later ones occlude earlier ones), distractor
/// lines/arcs drawn over objects, per-pixel noise.
///
/// Placement rule: an object is drawn only if afterwards it and every earlier object keep at
/// least `minVisibleFraction` of their pixels visible (inside the image, not covered); up to
/// `placementAttempts` centres are tried, then the object is omitted. So every drawn object is
/// annotated and none is hidden beyond the limit (overlaid thin distractors may hide a few more
/// pixels). Box rule: the tight box of the object's *visible* pixels, as pixel cells
/// (`x2 = rightmost visible column + 1`).
struct SceneGenerator {
    let config: SyntheticConfig

    func render(key: UInt64) -> RenderedScene {
        let n = config.imageSize
        var rng = DataRNG(state: key)
        var canvas = Canvas(size: n)
        paintBackground(&canvas, &rng)

        var overlays: [(Raster, Fill)] = []
        for _ in 0..<rng.int(in: config.distractorCount) {
            let (raster, fill, drawOver) = distractor(&rng)
            if drawOver { overlays.append((raster, fill)) } else { canvas.paint(raster, fill, owner: nil) }
        }

        var shapes: [SyntheticShape] = []
        var total: [Int] = []
        var visible: [Int] = []
        for _ in 0..<rng.weighted(config.objectCountWeights) {
            let shape = SyntheticShape.allCases[rng.below(SyntheticShape.allCases.count)]
            var spec = randomSpec(shape, &rng)
            for _ in 0..<config.placementAttempts {
                spec.cx = rng.float(0, Float(n))
                spec.cy = rng.float(0, Float(n))
                let raster = Raster(contours: spec.contours(), width: n, height: n)
                guard let covered = fits(raster, canvas: canvas, visible: visible, total: total) else { continue }
                for o in 0..<covered.count { visible[o] -= covered[o] }
                let fill = objectFill(spec, under: canvas.colour(x: min(max(Int(spec.cx), 0), n - 1),
                                                                 y: min(max(Int(spec.cy), 0), n - 1)), &rng)
                canvas.paint(raster, fill, owner: Int16(shapes.count))
                shapes.append(shape)
                total.append(raster.totalPixels)
                visible.append(raster.visiblePixels)
                break
            }
        }
        for (raster, fill) in overlays { canvas.paint(raster, fill, owner: -1) }
        return finish(canvas, shapes: shapes, total: total, noiseKey: DataRNG.key([key, 0x6E6F_6973_65]))
    }

    // MARK: Placement

    /// The per-object coverage if the raster can be placed under the visibility rule, else nil.
    private func fits(_ raster: Raster, canvas: Canvas, visible: [Int], total: [Int]) -> [Int]? {
        let minVisible = config.minVisibleFraction
        guard raster.visiblePixels > 0,
              Float(raster.visiblePixels) >= minVisible * Float(raster.totalPixels) else { return nil }
        let covered = canvas.coverage(of: raster, ownerCount: visible.count)
        for o in 0..<visible.count where covered[o] > 0 {
            if Float(visible[o] - covered[o]) < minVisible * Float(total[o]) { return nil }
        }
        return covered
    }

    // MARK: Random content

    private func randomSpec(_ shape: SyntheticShape, _ rng: inout DataRNG) -> ShapeSpec {
        let u = rng.unitFloat()
        let size = Float(config.minObjectSize) + Float(config.maxObjectSize - config.minObjectSize) * u * u
        var aspect = 1 + (shape.maxAspect(config.maxAspect) - 1) * rng.unitFloat()
        if rng.chance(0.5) { aspect = 1 / aspect }
        let root = aspect.squareRoot()
        let (lo, hi) = shape.parameterRange
        return ShapeSpec(shape: shape, rx: size / 2 * root, ry: size / 2 / root,
                         rotation: Double(rng.below(3600)) / 3600, parameter: rng.float(lo, hi))
    }

    /// A colour contrasting with `under` by at least `minContrast`, plain or textured.
    private func objectFill(_ spec: ShapeSpec, under: RGBf, _ rng: inout DataRNG) -> Fill {
        var colour = RGBf.random(&rng)
        var tries = 0
        while colour.distance(under) < Float(config.minContrast) && tries < 8 {
            colour = RGBf.random(&rng)
            tries += 1
        }
        guard rng.chance(config.texturedFraction) else { return .solid(colour) }
        let (s, c) = DetMath.sinCos(turns: Double(rng.below(3600)) / 3600)
        let dx = Float(c), dy = Float(s)
        switch rng.below(3) {
        case 0:
            let second = colour.mix(RGBf.random(&rng), rng.float(0.3, 0.8))
            return .stripes(colour, second, dx: dx, dy: dy, period: Float(2 + rng.below(5)))
        case 1:
            return .speckle(colour, amplitude: Float(20 + rng.below(40)), key: rng.next())
        default:
            return .gradient(colour, RGBf.random(&rng), ox: spec.cx, oy: spec.cy, dx: dx, dy: dy,
                             length: 2 * max(spec.rx, spec.ry))
        }
    }

    private func paintBackground(_ canvas: inout Canvas, _ rng: inout DataRNG) {
        let n = canvas.size
        let variation = config.backgroundVariation
        let base = RGBf.random(&rng)
        if rng.chance(0.8 * variation) {
            let (s, c) = DetMath.sinCos(turns: Double(rng.below(3600)) / 3600)
            canvas.paintAll(.gradient(base, RGBf.random(&rng), ox: Float(n) / 2, oy: Float(n) / 2,
                                      dx: Float(c), dy: Float(s), length: Float(n)))
        } else {
            canvas.paintAll(.solid(base))
        }
        if rng.chance(0.35 * variation) {
            let (s, c) = DetMath.sinCos(turns: Double(rng.below(3600)) / 3600)
            let amplitude = Float(6 + rng.below(14)), period = Float(4 + rng.below(13))
            canvas.shadeAll { x, y in
                let d = (Float(x) * Float(c) + Float(y) * Float(s)) / period
                return Int(d.rounded(.down)) & 1 == 0 ? amplitude : -amplitude
            }
        }
        let blobs = variation > 0 ? rng.below(4) : 0
        for _ in 0..<blobs {
            let cx = rng.float(0, Float(n)), cy = rng.float(0, Float(n))
            let radius = rng.float(10, 40)
            let under = canvas.colour(x: Int(cx), y: Int(cy))
            let shade = Float(6 + rng.below(9)) * (rng.chance(0.5) ? 1 : -1)
            let outline = irregularPolygon(cx, cy, radius, vertices: 9 + rng.below(6), &rng)
            canvas.paint(Raster(contours: [outline], width: n, height: n), .solid(under.offset(shade)), owner: nil)
        }
    }

    /// An unannotated distractor: a small irregular blob, a thin line or a thin arc.
    /// Returns its raster, fill and whether it is drawn over the objects.
    private func distractor(_ rng: inout DataRNG) -> (Raster, Fill, Bool) {
        let n = config.imageSize
        let cx = rng.float(0, Float(n)), cy = rng.float(0, Float(n))
        let fill = Fill.solid(RGBf.random(&rng))
        let contour: [Point]
        let kind = rng.below(3)
        switch kind {
        case 0:
            contour = irregularPolygon(cx, cy, Float(2 + rng.below(4)), vertices: 7 + rng.below(4), &rng)
        case 1:
            let length = Float(8 + rng.below(33)), width = rng.float(1.2, 2.2)
            let (s, c) = DetMath.sinCos(turns: Double(rng.below(3600)) / 3600)
            let dx = Float(c), dy = Float(s)
            let ex = dx * length / 2, ey = dy * length / 2, wx = -dy * width / 2, wy = dx * width / 2
            contour = [Point(x: cx - ex + wx, y: cy - ey + wy), Point(x: cx + ex + wx, y: cy + ey + wy),
                       Point(x: cx + ex - wx, y: cy + ey - wy), Point(x: cx - ex - wx, y: cy - ey - wy)]
        default:
            let radius = Float(4 + rng.below(9)), width = rng.float(1.2, 2.2)
            let start = Double(rng.below(360)) / 360, sweep = Double(90 + rng.below(130)) / 360
            let steps = 16
            var outer: [Point] = [], inner: [Point] = []
            for k in 0...steps {
                let (s, c) = DetMath.sinCos(turns: start + sweep * Double(k) / Double(steps))
                outer.append(Point(x: cx + (radius + width / 2) * Float(c), y: cy + (radius + width / 2) * Float(s)))
                inner.append(Point(x: cx + (radius - width / 2) * Float(c), y: cy + (radius - width / 2) * Float(s)))
            }
            contour = outer + inner.reversed()
        }
        let drawOver = kind != 0 && rng.chance(0.4)
        return (Raster(contours: [contour], width: n, height: n), fill, drawOver)
    }

    /// A star-convex polygon with `k` vertices at radius·[0.6, 1.4] (a lumpy blob, not one of the classes).
    private func irregularPolygon(_ cx: Float, _ cy: Float, _ radius: Float, vertices k: Int,
                                  _ rng: inout DataRNG) -> [Point] {
        (0..<k).map { i in
            let (s, c) = DetMath.sinCos(turns: (Double(i) + Double(rng.below(60)) / 100) / Double(k))
            let r = radius * rng.float(0.6, 1.4)
            return Point(x: cx + r * Float(c), y: cy + r * Float(s))
        }
    }

    // MARK: Output

    /// Adds noise, quantises to bytes and derives boxes from the owner map.
    private func finish(_ canvas: Canvas, shapes: [SyntheticShape], total: [Int], noiseKey: UInt64) -> RenderedScene {
        let n = canvas.size
        // Sum of four uniform bytes: mean 510, standard deviation ≈ 147.8.
        let noiseScale = config.noiseLevel / 147.8
        var pixels = [UInt8](repeating: 0, count: n * n * 3)
        canvas.rgb.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count {
                    var v = src[i]
                    if noiseScale > 0 {
                        let h = DataRNG.hash(noiseKey, UInt64(i))
                        let sum = (h & 0xFF) + (h >> 8 & 0xFF) + (h >> 16 & 0xFF) + (h >> 24 & 0xFF)
                        v += Float(Int(sum) - 510) * noiseScale
                    }
                    dst[i] = UInt8(min(max(v.rounded(), 0), 255))
                }
            }
        }
        var minX = [Int](repeating: n, count: shapes.count), minY = minX
        var maxX = [Int](repeating: -1, count: shapes.count), maxY = maxX
        var seen = [Int](repeating: 0, count: shapes.count)
        for y in 0..<n {
            for x in 0..<n {
                let o = Int(canvas.owner[y * n + x])
                guard o >= 0 else { continue }
                seen[o] += 1
                minX[o] = min(minX[o], x); maxX[o] = max(maxX[o], x)
                minY[o] = min(minY[o], y); maxY[o] = max(maxY[o], y)
            }
        }
        // Objects fully hidden by overlaid distractors (in practice never) get no annotation.
        var annotationIndex = [Int16](repeating: -1, count: shapes.count)
        var boxes: [BoxXYXY] = [], labels: [Int] = [], fractions: [Float] = []
        for o in 0..<shapes.count where seen[o] > 0 {
            annotationIndex[o] = Int16(boxes.count)
            boxes.append(BoxXYXY(x1: Float(minX[o]), y1: Float(minY[o]), x2: Float(maxX[o] + 1), y2: Float(maxY[o] + 1)))
            labels.append(shapes[o].rawValue)
            fractions.append(Float(seen[o]) / Float(total[o]))
        }
        let mask = canvas.owner.map { $0 >= 0 ? annotationIndex[Int($0)] : -1 }
        return RenderedScene(image: RGBImage(width: n, height: n, pixels: pixels), boxes: boxes,
                             labels: labels, mask: mask, visibleFractions: fractions)
    }
}
