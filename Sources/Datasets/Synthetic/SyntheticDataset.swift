import Detection

/// Dataset splits.
public enum Split: String, Codable, CaseIterable, Sendable {
    case train, val

    /// Tag mixed into random-stream keys so the splits never share images.
    var streamTag: UInt64 { self == .train ? 0x7472_6169_6E : 0x76_616C }
}

/// The built-in procedural dataset: 128×128 scenes of six shape classes with exact boxes,
/// generated on demand. Image `(seed, split, index)` comes from its own random stream, so any
/// image can be produced independently and bit-for-bit reproducibly, and train/val differ.
/// See `SceneGenerator` for the layering, occlusion and box rules and `SyntheticConfig` for knobs.
public struct SyntheticDataset: DetectionDataset, Sendable {
    /// Class names in class-index order.
    public static let classNames: [String] = SyntheticShape.allCases.map(\.name)

    public let config: SyntheticConfig
    /// The split `load(_:)` and `count` refer to.
    public let split: Split

    /// Throws if the configuration is out of range.
    public init(config: SyntheticConfig = SyntheticConfig(), split: Split = .train) throws {
        try config.validate()
        self.config = config
        self.split = split
    }

    public var classNames: [String] { Self.classNames }

    public var count: Int { split == .train ? config.trainCount : config.valCount }

    /// Image id of `index` (COCO ids start at 1).
    public static func imageId(forIndex index: Int) -> Int { index + 1 }

    /// Generates image `index` of `split` (any index ≥ 0, also beyond the configured count).
    public func sample(split: Split, index: Int) -> (image: RGBImage, boxes: [BoxXYXY], labels: [Int]) {
        let scene = render(split: split, index: index)
        return (scene.image, scene.boxes, scene.labels)
    }

    /// Image `index` of this dataset's split.
    /// Every image is `imageSize × imageSize`.
    public func imageSize(_ index: Int) throws -> (width: Int, height: Int) { (config.imageSize, config.imageSize) }

    public func load(_ index: Int) throws -> Sample {
        guard index >= 0, index < count else {
            throw DatasetError(file: "synthetic \(split.rawValue) split", value: "index \(index)",
                               message: "index out of range 0..<\(count)")
        }
        let s = sample(split: split, index: index)
        return Sample(image: s.image, boxes: s.boxes, labels: s.labels, imageId: Self.imageId(forIndex: index))
    }

    /// A sample with its visibility mask, for checking boxes and debugging the generator.
    public func debugRender(split: Split, index: Int) -> SyntheticDebugRender {
        let scene = render(split: split, index: index)
        return SyntheticDebugRender(
            sample: Sample(image: scene.image, boxes: scene.boxes, labels: scene.labels,
                           imageId: Self.imageId(forIndex: index)),
            mask: scene.mask, visibleFractions: scene.visibleFractions)
    }

    func render(split: Split, index: Int) -> RenderedScene {
        let key = DataRNG.key([0x5359_4E54, config.seed, split.streamTag, UInt64(max(index, 0))])
        return SceneGenerator(config: config).render(key: key)
    }
}

/// A synthetic sample plus the generator's view of it.
public struct SyntheticDebugRender: Sendable {
    public var sample: Sample
    /// Per pixel (row-major): index of the annotation visible there, or −1.
    public var mask: [Int16]
    /// Per annotation: visible pixels / pixels of the full shape.
    public var visibleFractions: [Float]
}
