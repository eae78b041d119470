import Detection
import Foundation
import XCTest
@testable import Datasets

final class SyntheticDatasetTests: XCTestCase {
    func testSameSeedGivesIdenticalBytesInAnyOrder() throws {
        var config = SyntheticConfig()
        config.seed = 42
        let a = try SyntheticDataset(config: config)
        let b = try SyntheticDataset(config: config)
        let later = b.sample(split: .train, index: 7)          // generated first, independently
        _ = a.sample(split: .train, index: 3)
        let sample = a.sample(split: .train, index: 7)
        XCTAssertEqual(sample.image, later.image)
        XCTAssertEqual(sample.boxes, later.boxes)
        XCTAssertEqual(sample.labels, later.labels)

        config.seed = 43
        let other = try SyntheticDataset(config: config).sample(split: .train, index: 7)
        XCTAssertNotEqual(other.image, sample.image)
    }

    func testTrainAndValShareNoImages() throws {
        let ds = try SyntheticDataset()
        var train = Set<[UInt8]>()
        for i in 0..<200 { train.insert(ds.sample(split: .train, index: i).image.pixels) }
        XCTAssertEqual(train.count, 200, "train images are distinct")
        for i in 0..<200 {
            XCTAssertFalse(train.contains(ds.sample(split: .val, index: i).image.pixels), "val \(i) also in train")
        }
    }

    func testBoxesAreTightBoxesOfVisiblePixels() throws {
        let ds = try SyntheticDataset()
        var objects = 0
        for index in 0..<30 {
            let render = ds.debugRender(split: .val, index: index)
            let s = render.sample
            XCTAssertEqual(s.boxes.count, render.visibleFractions.count)
            var lo = [(Int, Int)](repeating: (Int.max, Int.max), count: s.boxes.count)
            var hi = [(Int, Int)](repeating: (-1, -1), count: s.boxes.count)
            for y in 0..<128 {
                for x in 0..<128 {
                    let k = Int(render.mask[y * 128 + x])
                    guard k >= 0 else { continue }
                    lo[k] = (min(lo[k].0, x), min(lo[k].1, y))
                    hi[k] = (max(hi[k].0, x), max(hi[k].1, y))
                }
            }
            for (k, box) in s.boxes.enumerated() {
                objects += 1
                XCTAssertEqual(box, BoxXYXY(x1: Float(lo[k].0), y1: Float(lo[k].1),
                                            x2: Float(hi[k].0 + 1), y2: Float(hi[k].1 + 1)), "image \(index) object \(k)")
                // Placement rule (thin overlaid distractors may hide a little more).
                XCTAssertGreaterThanOrEqual(render.visibleFractions[k], ds.config.minVisibleFraction - 0.1)
                XCTAssertTrue((0..<SyntheticShape.allCases.count).contains(s.labels[k]))
            }
        }
        XCTAssertGreaterThan(objects, 60)
    }

    func testPlainSceneBoxesMatchPixelsThatDifferFromBackground() throws {
        // Independent of the mask: one flat-coloured object on a flat background, no noise.
        var config = SyntheticConfig.plain
        config.objectCountWeights = [0, 1]
        let ds = try SyntheticDataset(config: config)
        var checked = 0
        for index in 0..<20 {
            let render = ds.debugRender(split: .train, index: index)
            let image = render.sample.image
            guard let box = render.sample.boxes.first,
                  let bgPixel = render.mask.firstIndex(of: -1) else { continue }
            let background = image[bgPixel % 128, bgPixel / 128]
            var x1 = Int.max, y1 = Int.max, x2 = -1, y2 = -1
            for y in 0..<128 {
                for x in 0..<128 where image[x, y] != background {
                    x1 = min(x1, x); y1 = min(y1, y); x2 = max(x2, x); y2 = max(y2, y)
                }
            }
            XCTAssertEqual(box, BoxXYXY(x1: Float(x1), y1: Float(y1), x2: Float(x2 + 1), y2: Float(y2 + 1)), "image \(index)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 15)
    }

    func testStatisticsLookSensible() throws {
        let ds = try SyntheticDataset()
        var perClass = [Int](repeating: 0, count: 6)
        var objects = 0, smallest = Float.infinity, largest: Float = 0
        for index in 0..<60 {
            let s = ds.sample(split: .train, index: index)
            XCTAssertEqual(s.image.width, 128)
            XCTAssertLessThanOrEqual(s.boxes.count, 8)
            for (box, label) in zip(s.boxes, s.labels) {
                perClass[label] += 1
                objects += 1
                XCTAssertTrue(box.x1 >= 0 && box.y1 >= 0 && box.x2 <= 128 && box.y2 <= 128 && box.width >= 1 && box.height >= 1)
                smallest = min(smallest, max(box.width, box.height))
                largest = max(largest, max(box.width, box.height))
            }
        }
        let mean = Double(objects) / 60
        XCTAssertTrue((2.5...5.5).contains(mean), "mean objects per image \(mean)")
        XCTAssertTrue(perClass.allSatisfy { $0 >= 10 }, "per-class counts \(perClass)")
        XCTAssertLessThan(smallest, 14)
        XCTAssertGreaterThan(largest, 70)
        XCTAssertEqual(ds.classNames, ["circle", "rectangle", "triangle", "ring", "cross", "star"])
    }

    func testSplitsCountsAndLoad() throws {
        var config = SyntheticConfig()
        config.trainCount = 10
        config.valCount = 3
        let val = try SyntheticDataset(config: config, split: .val)
        XCTAssertEqual(val.count, 3)
        XCTAssertEqual(try SyntheticDataset(config: config).count, 10)
        let s = try val.load(2)
        XCTAssertEqual(s.imageId, 3)
        XCTAssertEqual(s.image, val.sample(split: .val, index: 2).image)
        XCTAssertEqual(s.crowd, [Bool](repeating: false, count: s.boxes.count))
        assertDatasetError(["synthetic val split", "index 3", "out of range"]) { try val.load(3) }
    }

    func testConfigValidationAndPartialDecoding() throws {
        var config = SyntheticConfig()
        config.minObjectSize = 50
        config.maxObjectSize = 10
        assertDatasetError(["minObjectSize...maxObjectSize", "50...10"]) { try SyntheticDataset(config: config) }
        config = SyntheticConfig()
        config.objectCountWeights = [0, 0]
        assertDatasetError(["objectCountWeights"]) { try SyntheticDataset(config: config) }

        let decoded = try JSONDecoder().decode(SyntheticConfig.self, from: Data(#"{"noiseLevel": 3, "seed": 9}"#.utf8))
        var expected = SyntheticConfig()
        expected.noiseLevel = 3
        expected.seed = 9
        XCTAssertEqual(decoded, expected)
        let roundTrip = try JSONDecoder().decode(SyntheticConfig.self, from: JSONEncoder().encode(SyntheticConfig.plain))
        XCTAssertEqual(roundTrip, SyntheticConfig.plain)
    }
}
