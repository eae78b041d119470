import Detection
import Foundation
import TestSupport
import XCTest
@testable import Datasets

final class COCORoundTripTests: XCTestCase {
    func testWriteThenReadEqualsInMemorySamples() throws {
        let dir = try makeTemporaryDirectory(self)
        var reports: [(Int, Int)] = []
        let stats = try SyntheticDataset.writeCOCO(to: dir, trainCount: 6, valCount: 4, seed: 9) { reports.append(($0, $1)) }
        XCTAssertEqual(reports.map(\.0), Array(1...10))
        XCTAssertTrue(reports.allSatisfy { $0.1 == 10 })
        XCTAssertEqual(stats.train.images, 6)
        XCTAssertEqual(stats.val.images, 4)

        var config = SyntheticConfig()
        config.seed = 9
        config.trainCount = 6
        config.valCount = 4
        for (split, count) in [(Split.train, 6), (Split.val, 4)] {
            XCTAssertTrue(FileManager.default.fileExists(
                atPath: dir.appendingPathComponent("\(split.rawValue)/00000\(count - 1).png").path))
            let coco = try COCODataset(
                annotationFile: dir.appendingPathComponent("annotations/instances_\(split.rawValue).json"),
                imageDirectory: dir.appendingPathComponent(split.rawValue))
            let synthetic = try SyntheticDataset(config: config, split: split)
            XCTAssertEqual(coco.count, count)
            XCTAssertEqual(coco.classNames, SyntheticDataset.classNames)
            XCTAssertEqual(coco.categoryIds, [1, 2, 3, 4, 5, 6])
            XCTAssertEqual(coco.warnings, [])
            var annotations = 0
            for i in 0..<count {
                let read = try coco.load(i)
                XCTAssertEqual(read, try synthetic.load(i), "\(split) \(i)")
                annotations += read.boxes.count
            }
            XCTAssertEqual(annotations, split == .train ? stats.train.annotations : stats.val.annotations)
        }
        // No temporary files are left behind by the atomic writes.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("annotations").path)
        XCTAssertEqual(leftovers.sorted(), ["instances_train.json", "instances_val.json"])
    }

    func testWrittenJSONHasCOCOFields() throws {
        let dir = try makeTemporaryDirectory(self)
        try SyntheticDataset.writeCOCO(to: dir, trainCount: 2, valCount: 1, seed: 1)
        let data = try Data(contentsOf: dir.appendingPathComponent("annotations/instances_val.json"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let image = try XCTUnwrap((json["images"] as? [[String: Any]])?.first)
        XCTAssertEqual(image["file_name"] as? String, "000000.png")
        XCTAssertEqual(image["id"] as? Int, 1)
        XCTAssertEqual(image["width"] as? Int, 128)
        let categories = try XCTUnwrap(json["categories"] as? [[String: Any]])
        XCTAssertEqual(categories.compactMap { $0["id"] as? Int }, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(categories.first?["name"] as? String, "circle")
        for annotation in try XCTUnwrap(json["annotations"] as? [[String: Any]]) {
            XCTAssertEqual((annotation["bbox"] as? [Double])?.count, 4)
            XCTAssertEqual(annotation["iscrowd"] as? Int, 0)
            XCTAssertNotNil(annotation["area"] as? Double)
            XCTAssertNotNil(annotation["image_id"] as? Int)
            XCTAssertNotNil(annotation["category_id"] as? Int)
        }
    }

    func testArbitraryCategoryIdsAndCrowdFromFixture() throws {
        let coco = try COCODataset(annotationFile: fixtureURL("datasets/coco_small/annotations.json"),
                                   imageDirectory: fixtureURL("datasets/coco_small/images"))
        XCTAssertEqual(coco.classNames, ["car", "cat", "zebra"])   // ascending category id 3, 17, 90
        XCTAssertEqual(coco.classIndex(forCategoryId: 17), 1)
        XCTAssertEqual(coco.classIndex(forCategoryId: 4), nil)
        XCTAssertEqual(coco.categoryId(forClass: 2), 90)
        XCTAssertEqual(coco.categoryId(forClass: 3), nil)
        XCTAssertEqual(coco.count, 3)
        XCTAssertEqual(coco.annotationCount, 4)

        let first = try coco.load(0)
        XCTAssertEqual(first.imageId, 11)
        XCTAssertEqual(first.labels, [1, 2])
        XCTAssertEqual(first.boxes, [BoxXYXY(x1: 2, y1: 3, x2: 12, y2: 8), BoxXYXY(x1: 20, y1: 10, x2: 35.5, y2: 22)])
        XCTAssertTrue(first.image[5, 5] == (200, 30, 30))

        let second = try coco.load(1)
        XCTAssertEqual(second.crowd, [true, false])
        // [-0.5, 25, 10, 5.8] lies within the 1 px tolerance and is clipped to the image.
        XCTAssertEqual(second.boxes[1], BoxXYXY(x1: 0, y1: 25, x2: 9.5, y2: 30))
        XCTAssertEqual(try coco.load(2).boxes, [BoxXYXY]())

        // Crowd boxes are not training targets.
        let prepared = try Preprocess(size: 40).prepare([second], indices: [1], epoch: 0)
        XCTAssertEqual(prepared.boxes[0].count, 1)
        XCTAssertEqual(prepared.crowd[0], [false])
    }
}
