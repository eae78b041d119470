/// Difficulty knobs and sizes of the built-in procedural dataset. Defaults aim at a task a small
/// CNN detector can learn to roughly 0.35–0.75 mAP@[.5:.95] in minutes on a CPU.
///
/// Decoding accepts partial input: missing keys keep their defaults.
public struct SyntheticConfig: Codable, Sendable, Equatable {
    /// Seed of all random streams.
    public var seed: UInt64 = 0
    /// Images are `imageSize × imageSize`.
    public var imageSize: Int = 128
    /// Split sizes.
    public var trainCount: Int = 4000
    public var valCount: Int = 500
    /// `objectCountWeights[n]` is proportional to the probability of drawing n objects per image
    /// (before placement; objects that cannot be placed are omitted).
    public var objectCountWeights: [Int] = [3, 10, 18, 20, 16, 12, 8]
    /// Nominal object size in pixels, drawn as `min + (max − min)·u²` (skewed towards small).
    public var minObjectSize: Int = 12
    public var maxObjectSize: Int = 100
    /// Largest width:height ratio for rectangles and triangles (others use milder ratios).
    public var maxAspect: Float = 2.5
    /// Occlusion: every annotated object keeps at least this fraction of its pixels visible
    /// (inside the image and not covered by later objects). 1 disables overlap.
    public var minVisibleFraction: Float = 0.5
    /// Positions tried per object before it is omitted.
    public var placementAttempts: Int = 12
    /// Minimum L1 RGB distance (0...765) between an object's colour and what lies under its
    /// centre; lower is harder.
    public var minContrast: Int = 80
    /// Fraction of objects filled with a texture (stripes, speckle, gradient) instead of a flat colour.
    public var texturedFraction: Float = 0.5
    /// 0 = flat background colour; 1 = gradients, stripes and large low-contrast blobs.
    public var backgroundVariation: Float = 1
    /// Number of unannotated distractors per image (small blobs, thin lines).
    public var distractorCount: ClosedRange<Int> = 1...4
    /// Standard deviation of per-pixel Gaussian-like noise, in 0–255 units.
    public var noiseLevel: Float = 5

    public init() {}

    /// An easy variant for tests and debugging: flat background, flat colours, no noise,
    /// no distractors, no occlusion.
    public static var plain: SyntheticConfig {
        var c = SyntheticConfig()
        c.texturedFraction = 0
        c.backgroundVariation = 0
        c.distractorCount = 0...0
        c.noiseLevel = 0
        c.minVisibleFraction = 1
        return c
    }

    /// Throws a `DatasetError` (file `"synthetic config"`) for out-of-range values.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ value: Any, _ message: String) throws {
            if !ok { throw DatasetError(file: "synthetic config", field: field, value: "\(value)", message: message) }
        }
        try check(imageSize >= 16 && imageSize <= 1024, "imageSize", imageSize, "must be in 16...1024")
        try check(trainCount >= 0 && valCount >= 0, "trainCount/valCount", "\(trainCount)/\(valCount)", "must be ≥ 0")
        try check(!objectCountWeights.isEmpty && objectCountWeights.count <= 256 && objectCountWeights.allSatisfy { $0 >= 0 }
                  && objectCountWeights.contains { $0 > 0 }, "objectCountWeights", objectCountWeights,
                  "need 1...256 non-negative weights with a positive entry")
        try check(minObjectSize >= 2 && maxObjectSize >= minObjectSize && maxObjectSize <= 2 * imageSize,
                  "minObjectSize...maxObjectSize", "\(minObjectSize)...\(maxObjectSize)",
                  "need 2 ≤ min ≤ max ≤ 2·imageSize")
        try check(maxAspect >= 1 && maxAspect <= 10, "maxAspect", maxAspect, "must be in 1...10")
        try check(minVisibleFraction > 0 && minVisibleFraction <= 1, "minVisibleFraction", minVisibleFraction, "must be in (0, 1]")
        try check(placementAttempts >= 1 && placementAttempts <= 1000, "placementAttempts", placementAttempts, "must be in 1...1000")
        try check(minContrast >= 0 && minContrast <= 765, "minContrast", minContrast, "must be in 0...765")
        try check(texturedFraction >= 0 && texturedFraction <= 1, "texturedFraction", texturedFraction, "must be in 0...1")
        try check(backgroundVariation >= 0 && backgroundVariation <= 1, "backgroundVariation", backgroundVariation, "must be in 0...1")
        try check(distractorCount.lowerBound >= 0 && distractorCount.upperBound <= 1000, "distractorCount", distractorCount, "must be within 0...1000")
        try check(noiseLevel >= 0 && noiseLevel <= 128, "noiseLevel", noiseLevel, "must be in 0...128")
    }

    private enum CodingKeys: String, CodingKey {
        case seed, imageSize, trainCount, valCount, objectCountWeights, minObjectSize, maxObjectSize
        case maxAspect, minVisibleFraction, placementAttempts, minContrast, texturedFraction
        case backgroundVariation, distractorCount, noiseLevel
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.seed, &seed); try read(.imageSize, &imageSize)
        try read(.trainCount, &trainCount); try read(.valCount, &valCount)
        try read(.objectCountWeights, &objectCountWeights)
        try read(.minObjectSize, &minObjectSize); try read(.maxObjectSize, &maxObjectSize)
        try read(.maxAspect, &maxAspect); try read(.minVisibleFraction, &minVisibleFraction)
        try read(.placementAttempts, &placementAttempts); try read(.minContrast, &minContrast)
        try read(.texturedFraction, &texturedFraction); try read(.backgroundVariation, &backgroundVariation)
        try read(.distractorCount, &distractorCount); try read(.noiseLevel, &noiseLevel)
    }
}
