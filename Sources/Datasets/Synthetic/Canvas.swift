/// The working surface of the scene generator: Float RGB pixels plus an owner map recording
/// which object (by draw order) is visible at each pixel (−1 = background or distractor).
struct Canvas {
    let size: Int
    var rgb: [Float]
    var owner: [Int16]

    init(size: Int) {
        self.size = size
        rgb = [Float](repeating: 0, count: size * size * 3)
        owner = [Int16](repeating: -1, count: size * size)
    }

    func colour(x: Int, y: Int) -> RGBf {
        let i = (y * size + x) * 3
        return RGBf(r: rgb[i], g: rgb[i + 1], b: rgb[i + 2])
    }

    /// Paints every pixel with `fill` (background).
    mutating func paintAll(_ fill: Fill) {
        let n = size
        rgb.withUnsafeMutableBufferPointer { px in
            for y in 0..<n {
                for x in 0..<n {
                    let c = fill.colour(x: x, y: y, width: n)
                    let i = (y * n + x) * 3
                    px[i] = c.r; px[i + 1] = c.g; px[i + 2] = c.b
                }
            }
        }
    }

    /// Adds `amount(x, y)` to all channels of every pixel (background texture overlays).
    mutating func shadeAll(_ amount: (Int, Int) -> Float) {
        let n = size
        rgb.withUnsafeMutableBufferPointer { px in
            for y in 0..<n {
                for x in 0..<n {
                    let d = amount(x, y)
                    let i = (y * n + x) * 3
                    px[i] += d; px[i + 1] += d; px[i + 2] += d
                }
            }
        }
    }

    /// Paints the raster's pixels with `fill` and sets their owner (nil leaves owners unchanged).
    mutating func paint(_ raster: Raster, _ fill: Fill, owner newOwner: Int16?) {
        let n = size
        rgb.withUnsafeMutableBufferPointer { px in
            owner.withUnsafeMutableBufferPointer { own in
                for span in raster.spans {
                    for x in span.x0..<span.x1 {
                        let c = fill.colour(x: x, y: span.y, width: n)
                        let p = span.y * n + x
                        px[3 * p] = c.r; px[3 * p + 1] = c.g; px[3 * p + 2] = c.b
                        if let newOwner { own[p] = newOwner }
                    }
                }
            }
        }
    }

    /// For each existing owner `0..<ownerCount`, how many of its pixels the raster would cover.
    func coverage(of raster: Raster, ownerCount: Int) -> [Int] {
        var covered = [Int](repeating: 0, count: ownerCount)
        let n = size
        owner.withUnsafeBufferPointer { own in
            for span in raster.spans {
                for x in span.x0..<span.x1 {
                    let o = Int(own[span.y * n + x])
                    if o >= 0 { covered[o] += 1 }
                }
            }
        }
        return covered
    }
}
