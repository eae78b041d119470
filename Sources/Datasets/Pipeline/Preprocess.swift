import Detection

/// Turns samples into network input: optional horizontal flip (training), resize with bilinear
/// sampling, zero padding at the right/bottom of a canvas shared by the batch, and mean/std
/// normalisation into an NHWC Float buffer. Boxes follow the same transform; boxes whose width
/// or height ends up ≤ `minBoxSize` are dropped and counted.
///
/// Two resize rules (`Resize`):
///
///   square(S):                 scale = S / max(w, h)             canvas S × S (colad's presets)
///   keepRatio(long, short, R): scale = min(long / max(w, h), short' / min(w, h))
///                              short' = short, or drawn from R per image when augmenting
///                              canvas = the batch's largest extents, rounded up to sizeDivisor
///   resized extent w' × h' = round(w · scale) × round(h · scale)   (mmdet `rescale_size`)
///   pixels and boxes then map by the exact per-axis factors (w'/w, h'/h) (`ResizeScale`)
///
/// keepRatio is the reference pipeline (mmdet `Resize(img_scale=(1333, 800), keep_ratio=True)`,
/// multi-scale `multiscale_mode='range'` over the short side, `Pad(size_divisor=32)`).
///
/// Every draw (flip, short side) for a sample comes from a stream keyed by (seed, epoch, dataset
/// index) — never from shared state — so every process that sees the same sample in the same
/// epoch makes the same draw, and `canvas(forExtents:)` can be computed for a whole global batch
/// from image sizes alone (see `resizedExtent`).
public struct Preprocess: Sendable {
    public enum Resize: Equatable, Sendable {
        /// Fit the longer side to S and pad to S × S.
        case square(Int)
        /// Keep the aspect ratio, longer side ≤ long and shorter side ≤ short (drawn uniformly
        /// from `shortRange` per image when augmenting), pad the batch to a multiple of sizeDivisor.
        case keepRatio(long: Int, short: Int, shortRange: ClosedRange<Int>?)
    }

    public var resize: Resize
    /// keepRatio: canvas sides are multiples of this (the reference's 32).
    public var sizeDivisor: Int = 32
    /// Per-channel mean and std (RGB, 0–255 units; ImageNet's, as the reference).
    public var mean: [Float] = [123.675, 116.28, 103.53]
    public var std: [Float] = [58.395, 57.12, 57.375]
    /// Apply training augmentation (random horizontal flip; keepRatio: the short-side draw).
    public var augment: Bool
    public var flipProbability: Float = 0.5
    /// Seed of the augmentation streams.
    public var seed: UInt64
    /// Boxes with width or height ≤ this (input pixels) after the transform are dropped.
    public var minBoxSize: Float = 1
    /// Remove crowd boxes (they are not training targets).
    public var dropCrowd: Bool = true

    public init(size: Int = 128, augment: Bool = false, seed: UInt64 = 0) {
        self.init(resize: .square(size), augment: augment, seed: seed)
    }

    public init(resize: Resize, augment: Bool = false, seed: UInt64 = 0) {
        self.resize = resize
        self.augment = augment
        self.seed = seed
    }

    /// The flip decision for dataset index `index` in `epoch` (pure function of its arguments).
    public static func flipDraw(seed: UInt64, epoch: Int, index: Int, probability: Float = 0.5) -> Bool {
        var rng = DataRNG(key: 0x464C_4950, seed, UInt64(bitPattern: Int64(epoch)), UInt64(bitPattern: Int64(index)))
        return rng.chance(probability)
    }

    /// The short side drawn for dataset index `index` in `epoch`: uniform over the integers of
    /// `range` (mmdet's `np.random.randint(lo, hi + 1)`), a pure function of its arguments.
    public static func shortSideDraw(seed: UInt64, epoch: Int, index: Int, range: ClosedRange<Int>) -> Int {
        var rng = DataRNG(key: 0x5348_5254, seed, UInt64(bitPattern: Int64(epoch)), UInt64(bitPattern: Int64(index)))
        return range.lowerBound + rng.below(range.count)
    }

    /// The resized extent of an image of `width × height` that is dataset index `index` in
    /// `epoch` (the index and epoch key the multi-scale draw), and the per-axis factors that take
    /// the image onto it.
    public func resizedExtent(width: Int, height: Int, epoch: Int = 0, index: Int = 0) -> (scale: ResizeScale, width: Int, height: Int) {
        let w = max(width, 1), h = max(height, 1)
        let e: (width: Int, height: Int)
        switch resize {
        case .square(let size):
            let scale = Float(size) / Float(max(w, h))
            func extent(_ v: Int) -> Int { min(size, max(1, Int((Float(v) * scale).rounded()))) }
            e = (extent(w), extent(h))
        case .keepRatio(let long, let short, let range):
            let target = augment && range != nil
                ? Self.shortSideDraw(seed: seed, epoch: epoch, index: index, range: range!) : short
            let scale = min(Double(long) / Double(max(w, h)), Double(target) / Double(min(w, h)))
            func extent(_ v: Int) -> Int { max(1, Int(Double(v) * scale + 0.5)) }
            e = (extent(w), extent(h))
        }
        return (ResizeScale(from: (w, h), to: e), e.width, e.height)
    }

    /// The input canvas (height, width) of a batch whose resized extents are `extents`.
    public func canvas(forExtents extents: [(width: Int, height: Int)]) -> (height: Int, width: Int) {
        switch resize {
        case .square(let size):
            return (size, size)
        case .keepRatio:
            let d = max(sizeDivisor, 1)
            func up(_ v: Int) -> Int { max(d, (v + d - 1) / d * d) }
            return (up(extents.map(\.height).max() ?? d), up(extents.map(\.width).max() ?? d))
        }
    }

    /// Throws if the settings cannot produce a valid input (sizes, mean/std).
    public func validate() throws {
        func invalid(_ field: String, _ value: String, _ message: String) -> DatasetError {
            DatasetError(file: "preprocess settings", field: field, value: value, message: message)
        }
        switch resize {
        case .square(let size):
            guard size > 0, size <= 8192 else { throw invalid("size", String(size), "must be in 1...8192") }
        case .keepRatio(let long, let short, let range):
            guard short > 0, long >= short, long <= 8192 else {
                throw invalid("long, short", "\(long), \(short)", "need 0 < short ≤ long ≤ 8192")
            }
            if let r = range, r.lowerBound < 1 || r.upperBound > long {
                throw invalid("short range", "\(r.lowerBound)...\(r.upperBound)", "must lie in 1...\(long)")
            }
            guard sizeDivisor >= 1, sizeDivisor <= 1024 else { throw invalid("size divisor", String(sizeDivisor), "must be in 1...1024") }
        }
        guard mean.count == 3, mean.allSatisfy(\.isFinite) else { throw invalid("mean", "\(mean)", "need 3 finite values") }
        guard std.count == 3, std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw invalid("std", "\(std)", "need 3 positive finite values")
        }
    }

    /// Prepares a batch. `indices[i]` is the dataset index of `samples[i]` (keys the draws).
    /// `canvas`: the input size to pad to (every image's resized extent must fit); nil: the
    /// canvas of these samples alone. A data-parallel rank passes its global batch's canvas, so
    /// every rank's input has the same shape as the single-process reference's.
    public func prepare(_ samples: [Sample], indices: [Int], epoch: Int,
                        canvas: (height: Int, width: Int)? = nil) throws -> PreparedBatch {
        try validate()
        guard samples.count == indices.count else {
            throw DatasetError(file: "preprocess", field: "indices", value: String(indices.count),
                               message: "need one dataset index per sample (\(samples.count) samples)")
        }
        let geos = zip(samples, indices).map { resizedExtent(width: $0.image.width, height: $0.image.height, epoch: epoch, index: $1) }
        let (height, width) = canvas ?? self.canvas(forExtents: geos.map { ($0.width, $0.height) })
        for (i, g) in geos.enumerated() where g.width > width || g.height > height {
            throw DatasetError(file: "preprocess", field: "canvas", value: "\(height)x\(width)",
                               message: "image \(samples[i].imageId) resizes to \(g.height)x\(g.width), which does not fit",
                               hint: "the canvas must come from canvas(forExtents:) over the batch's own extents")
        }
        let plane = height * width * 3
        var batch = PreparedBatch(
            images: [Float](repeating: 0, count: samples.count * plane), count: samples.count, height: height, width: width,
            boxes: [], labels: [], crowd: [], imageIds: [], scales: [], validWidths: [], validHeights: [],
            originalWidths: [], originalHeights: [], flipped: [], droppedBoxes: 0)
        for (i, sample) in samples.enumerated() {
            let flip = augment && Self.flipDraw(seed: seed, epoch: epoch, index: indices[i], probability: flipProbability)
            let geo = geos[i]
            batch.images.withUnsafeMutableBufferPointer { buf in
                writeImage(sample.image, flip: flip, geometry: geo, rowPitch: width,
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
    /// the top-left `width × height` of an H×W×3 buffer (`rowPitch` = W), normalised; padding is
    /// 0 (= the mean).
    private func writeImage(_ image: RGBImage, flip: Bool, geometry geo: (scale: ResizeScale, width: Int, height: Int),
                            rowPitch: Int, into out: UnsafeMutableBufferPointer<Float>) {
        let w = image.width, h = image.height
        guard w > 0, h > 0 else { return }
        // Source pixel of output pixel i: (i + 0.5) · in/out − 0.5 per axis (half-pixel centres).
        let inverseX = Float(w) / Float(geo.width), inverseY = Float(h) / Float(geo.height)
        let m0 = mean[0], m1 = mean[1], m2 = mean[2]
        let r0 = 1 / std[0], r1 = 1 / std[1], r2 = 1 / std[2]
        // Horizontal taps are the same for every row.
        var xs0 = [Int](repeating: 0, count: geo.width), xs1 = xs0
        var fx = [Float](repeating: 0, count: geo.width)
        for x in 0..<geo.width {
            let sx = min(max((Float(x) + 0.5) * inverseX - 0.5, 0), Float(w - 1))
            let x0 = Int(sx)
            let a = x0, b = min(x0 + 1, w - 1)
            xs0[x] = flip ? w - 1 - a : a
            xs1[x] = flip ? w - 1 - b : b
            fx[x] = sx - Float(x0)
        }
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<geo.height {
                let sy = min(max((Float(y) + 0.5) * inverseY - 0.5, 0), Float(h - 1))
                let y0 = Int(sy), y1 = min(y0 + 1, h - 1)
                let fy = sy - Float(y0)
                for x in 0..<geo.width {
                    let p00 = (y0 * w + xs0[x]) * 3, p01 = (y0 * w + xs1[x]) * 3
                    let p10 = (y1 * w + xs0[x]) * 3, p11 = (y1 * w + xs1[x]) * 3
                    let o = (y * rowPitch + x) * 3
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
