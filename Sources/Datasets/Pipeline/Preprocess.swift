import Detection

/// Turns samples into network input: optional horizontal flip (training), resize-to-fit with
/// bilinear sampling, letterbox padding at the right/bottom, and mean/std normalisation into an
/// NHWC Float buffer. Boxes follow the same transform; boxes whose width or height ends up
/// ≤ `minBoxSize` are dropped and counted.
///
/// The flip for a sample is drawn from a stream keyed by (seed, epoch, dataset index) —
/// never from shared state — so every process that sees the same sample in the same epoch
/// makes the same draw.
public struct Preprocess: Sendable {
    /// Network input side S.
    public var size: Int
    /// Per-channel mean and std (RGB, 0–255 units).
    public var mean: [Float] = [123.675, 116.28, 103.53]
    public var std: [Float] = [58.395, 57.12, 57.375]
    /// Apply training augmentation (random horizontal flip).
    public var augment: Bool
    public var flipProbability: Float = 0.5
    /// Seed of the augmentation streams.
    public var seed: UInt64
    /// Boxes with width or height ≤ this (input pixels) after the transform are dropped.
    public var minBoxSize: Float = 1
    /// Remove crowd boxes (they are not training targets).
    public var dropCrowd: Bool = true

    public init(size: Int = 128, augment: Bool = false, seed: UInt64 = 0) {
        self.size = size
        self.augment = augment
        self.seed = seed
    }

    /// The flip decision for dataset index `index` in `epoch` (pure function of its arguments).
    public static func flipDraw(seed: UInt64, epoch: Int, index: Int, probability: Float = 0.5) -> Bool {
        var rng = DataRNG(key: 0x464C_4950, seed, UInt64(bitPattern: Int64(epoch)), UInt64(bitPattern: Int64(index)))
        return rng.chance(probability)
    }

    /// The resize factor and resized extent for an image of `width × height`.
    public func geometry(width: Int, height: Int) -> (scale: Float, width: Int, height: Int) {
        let scale = Float(size) / Float(max(width, height, 1))
        func extent(_ v: Int) -> Int { min(size, max(1, Int((Float(v) * scale).rounded()))) }
        return (scale, extent(width), extent(height))
    }

    /// Throws if the settings cannot produce a valid input (size, mean/std).
    public func validate() throws {
        func invalid(_ field: String, _ value: String, _ message: String) -> DatasetError {
            DatasetError(file: "preprocess settings", field: field, value: value, message: message)
        }
        guard size > 0, size <= 8192 else { throw invalid("size", String(size), "must be in 1...8192") }
        guard mean.count == 3, mean.allSatisfy(\.isFinite) else { throw invalid("mean", "\(mean)", "need 3 finite values") }
        guard std.count == 3, std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw invalid("std", "\(std)", "need 3 positive finite values")
        }
    }

    /// Prepares a batch. `indices[i]` is the dataset index of `samples[i]` (keys the flip draw).
    public func prepare(_ samples: [Sample], indices: [Int], epoch: Int) throws -> PreparedBatch {
        try validate()
        guard samples.count == indices.count else {
            throw DatasetError(file: "preprocess", field: "indices", value: String(indices.count),
                               message: "need one dataset index per sample (\(samples.count) samples)")
        }
        let plane = size * size * 3
        var batch = PreparedBatch(
            images: [Float](repeating: 0, count: samples.count * plane), count: samples.count, size: size,
            boxes: [], labels: [], crowd: [], imageIds: [], scales: [], validWidths: [], validHeights: [],
            originalWidths: [], originalHeights: [], flipped: [], droppedBoxes: 0)
        for (i, sample) in samples.enumerated() {
            let flip = augment && Self.flipDraw(seed: seed, epoch: epoch, index: indices[i], probability: flipProbability)
            let geo = geometry(width: sample.image.width, height: sample.image.height)
            batch.images.withUnsafeMutableBufferPointer { buf in
                writeImage(sample.image, flip: flip, geometry: geo,
                           into: UnsafeMutableBufferPointer(rebasing: buf[(i * plane)..<((i + 1) * plane)]))
            }
            var boxes: [BoxXYXY] = [], labels: [Int] = [], crowd: [Bool] = []
            for (k, box) in sample.boxes.enumerated() {
                if dropCrowd && sample.crowd[k] { continue }
                var b = flip ? box.flippedHorizontally(imageWidth: Float(sample.image.width)) : box
                b = b.scaled(by: geo.scale).clipped(width: Float(geo.width), height: Float(geo.height))
                guard b.width > minBoxSize, b.height > minBoxSize else { batch.droppedBoxes += 1; continue }
                boxes.append(b); labels.append(sample.labels[k]); crowd.append(sample.crowd[k])
            }
            batch.boxes.append(boxes); batch.labels.append(labels); batch.crowd.append(crowd)
            batch.imageIds.append(sample.imageId)
            batch.scales.append(geo.scale)
            batch.validWidths.append(geo.width); batch.validHeights.append(geo.height)
            batch.originalWidths.append(sample.image.width); batch.originalHeights.append(sample.image.height)
            batch.flipped.append(flip)
        }
        return batch
    }

    /// Bilinear resize (half-pixel centres, edge clamping) of the optionally mirrored image into
    /// the top-left `width × height` of an S×S×3 buffer, normalised; padding is 0 (= the mean).
    private func writeImage(_ image: RGBImage, flip: Bool, geometry geo: (scale: Float, width: Int, height: Int),
                            into out: UnsafeMutableBufferPointer<Float>) {
        let w = image.width, h = image.height
        guard w > 0, h > 0 else { return }
        let inverse = 1 / geo.scale
        let m0 = mean[0], m1 = mean[1], m2 = mean[2]
        let r0 = 1 / std[0], r1 = 1 / std[1], r2 = 1 / std[2]
        // Horizontal taps are the same for every row.
        var xs0 = [Int](repeating: 0, count: geo.width), xs1 = xs0
        var fx = [Float](repeating: 0, count: geo.width)
        for x in 0..<geo.width {
            let sx = min(max((Float(x) + 0.5) * inverse - 0.5, 0), Float(w - 1))
            let x0 = Int(sx)
            let a = x0, b = min(x0 + 1, w - 1)
            xs0[x] = flip ? w - 1 - a : a
            xs1[x] = flip ? w - 1 - b : b
            fx[x] = sx - Float(x0)
        }
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<geo.height {
                let sy = min(max((Float(y) + 0.5) * inverse - 0.5, 0), Float(h - 1))
                let y0 = Int(sy), y1 = min(y0 + 1, h - 1)
                let fy = sy - Float(y0)
                for x in 0..<geo.width {
                    let p00 = (y0 * w + xs0[x]) * 3, p01 = (y0 * w + xs1[x]) * 3
                    let p10 = (y1 * w + xs0[x]) * 3, p11 = (y1 * w + xs1[x]) * 3
                    let o = (y * size + x) * 3
                    for c in 0..<3 {
                        let top = Float(px[p00 + c]) + (Float(px[p01 + c]) - Float(px[p00 + c])) * fx[x]
                        let bottom = Float(px[p10 + c]) + (Float(px[p11 + c]) - Float(px[p10 + c])) * fx[x]
                        let v = top + (bottom - top) * fy
                        out[o + c] = c == 0 ? (v - m0) * r0 : (c == 1 ? (v - m1) * r1 : (v - m2) * r2)
                    }
                }
            }
        }
    }
}
