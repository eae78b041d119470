import Detection
import Foundation
import XCTest
@testable import Datasets

final class COCOValidationTests: XCTestCase {
    /// A directory with `a.png` and `b.png` (32×24) and the given annotation JSON text.
    private func dataset(_ json: String) throws -> (annotations: URL, images: URL) {
        let dir = try makeTemporaryDirectory(self)
        for name in ["a.png", "b.png"] {
            try ImageCodec.write(RGBImage(width: 32, height: 24, fill: (9, 9, 9)), to: dir.appendingPathComponent(name))
        }
        let file = dir.appendingPathComponent("instances_bad.json")
        try Data(json.utf8).write(to: file)
        return (file, dir)
    }

    /// COCO text with two images (ids 1, 2), categories 5 and 8, and the given annotations.
    private func coco(_ annotations: String) -> String {
        """
        {"images": [{"id": 1, "file_name": "a.png", "width": 32, "height": 24},
                    {"id": 2, "file_name": "b.png", "width": 32, "height": 24}],
         "categories": [{"id": 5, "name": "dog"}, {"id": 8, "name": "cat"}],
         "annotations": [\(annotations)]}
        """
    }

    private func open(_ json: String, skipInvalid: Bool = false) throws -> COCODataset {
        let (file, dir) = try dataset(json)
        return try COCODataset(annotationFile: file, imageDirectory: dir, skipInvalid: skipInvalid)
    }

    private func expectError(_ annotations: String, _ fragments: [String], line: UInt = #line) throws {
        let json = coco(annotations)
        assertDatasetError(["instances_bad.json"] + fragments, line: line) { try self.open(json) }
    }

    /// A training set needs objects: an empty annotation list (or only skipped or crowd
    /// annotations) is an error naming the file; images without objects are fine as long as
    /// some images have annotations.
    func testATrainingSetWithoutAnnotationsIsNamed() throws {
        let empty = try open(coco(""))
        XCTAssertEqual(empty.count, 2, "the file itself opens (an evaluation set may be empty)")
        assertDatasetError(["instances_bad.json", "annotations", "no objects to train on in 2 images", "\"annotations\" is empty",
                            "images without objects are allowed"]) { try empty.requireAnnotations() }
        let missing = try open(#"{"images": [], "categories": [{"id": 5, "name": "dog"}]}"#)
        assertDatasetError(["instances_bad.json", "no objects to train on in 0 images"]) { try missing.requireAnnotations() }
        let crowd = try open(coco(#"{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 5, 5], "iscrowd": 1}"#))
        assertDatasetError(["instances_bad.json", "only crowd annotations (1)"]) { try crowd.requireAnnotations() }
        let skipped = try open(coco(#"{"id": 1, "image_id": 1, "category_id": 6, "bbox": [1, 1, 5, 5]}"#), skipInvalid: true)
        assertDatasetError(["instances_bad.json", "every annotation was skipped as invalid (1 skipped)"]) { try skipped.requireAnnotations() }
        // One object on image 1, none on image 2: a valid training set.
        let some = try open(coco(#"{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 5, 5]}"#))
        XCTAssertNoThrow(try some.requireAnnotations())
        XCTAssertEqual(some.images.map(\.boxes.count), [1, 0])
    }

    func testMissingAnnotationFile() {
        let url = URL(fileURLWithPath: "/nonexistent/instances_missing.json")
        assertDatasetError(["instances_missing.json", "not found"]) {
            try COCODataset(annotationFile: url, imageDirectory: URL(fileURLWithPath: "/nonexistent"))
        }
    }

    func testBadJSONReportsLine() throws {
        assertDatasetError(["instances_bad.json", "line 3, column", "invalid JSON"]) {
            try self.open("{\n \"images\": [],\n \"categories\": [{\"id\" 1}]\n}")
        }
        assertDatasetError(["instances_bad.json", "line 2", "unexpected end of file"]) { try self.open("{\"images\": [\n") }
        assertDatasetError(["instances_bad.json", "top level must be a JSON object"]) { try self.open("[1, 2]") }
        assertDatasetError(["instances_bad.json", "categories", "missing required section"]) { try self.open(#"{"images": []}"#) }
    }

    func testUnknownImageAndCategory() throws {
        try expectError(#"{"id": 7, "image_id": 99, "category_id": 5, "bbox": [1, 1, 5, 5]}"#,
                        ["annotation id 7 (image 99)", "image_id = 99", "unknown image"])
        try expectError(#"{"id": 8, "image_id": 1, "category_id": 6, "bbox": [1, 1, 5, 5]}"#,
                        ["annotation id 8 (image 1)", "category_id = 6", "unknown category"])
    }

    func testInvalidBoxes() throws {
        try expectError(#"{"id": 3, "image_id": 2, "category_id": 5, "bbox": [1, 1, -4, 5]}"#,
                        ["annotation id 3 (image 2)", "bbox = [1, 1, -4, 5]", "width and height must be > 0", "hint:"])
        try expectError(#"{"id": 4, "image_id": 1, "category_id": 5, "bbox": [-3, 1, 5, 5]}"#,
                        ["annotation id 4 (image 1)", "bbox = [-3, 1, 5, 5]", "outside the 32x24 image"])
        try expectError(#"{"id": 5, "image_id": 1, "category_id": 8, "bbox": [20, 10, 14, 5]}"#,
                        ["annotation id 5", "outside"])
        try expectError(#"{"id": 6, "image_id": 1, "category_id": 8, "bbox": [1, 1e400, 4, 5]}"#,
                        ["annotation id 6", "NaN or infinite"])
        try expectError(#"{"id": 9, "image_id": 1, "category_id": 8, "bbox": "1,2,3,4"}"#,
                        ["annotation id 9", "bbox = \"1,2,3,4\"", "array of 4 numbers"])
        try expectError(#"{"id": 10, "image_id": 1, "category_id": 8}"#, ["annotation id 10", "bbox"])
        try expectError(#"{"id": 11, "image_id": 1, "category_id": 8, "bbox": [1, 1, 2, 2], "iscrowd": 2}"#,
                        ["annotation id 11", "iscrowd = 2"])
        // NaN cannot be written in JSON; check the numeric validation directly.
        for bad: [Double] in [[.nan, 0, 1, 1], [0, 0, .infinity, 1]] {
            guard case .failure(let problem) = COCOReader.validateBox(bad, imageWidth: 10, imageHeight: 10, tolerance: 1) else {
                return XCTFail("\(bad) accepted")
            }
            XCTAssertTrue(problem.message.contains("NaN or infinite"))
        }
    }

    func testSmallOverhangIsClipped() throws {
        let ds = try open(coco(#"{"id": 1, "image_id": 1, "category_id": 8, "bbox": [-0.9, 2, 33.8, 22.5]}"#))
        XCTAssertEqual(ds.images[0].boxes, [BoxXYXY(x1: 0, y1: 2, x2: 32, y2: 24)])
        XCTAssertEqual(ds.images[0].labels, [1])
    }

    func testDuplicateIdsAndBadRecords() throws {
        try expectError(#"{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 5, 5]}, {"id": 1, "image_id": 2, "category_id": 5, "bbox": [1, 1, 5, 5]}"#,
                        ["annotation id 1 (image 2)", "duplicate annotation id"])
        try expectError(#"{"image_id": 1, "category_id": 5, "bbox": [1, 1, 5, 5]}"#, ["annotations[0] (image 1)", "id"])
        let badImage = #"{"images": [{"id": 1, "file_name": "a.png", "width": 0, "height": 24}], "categories": [{"id": 1, "name": "x"}]}"#
        assertDatasetError(["instances_bad.json", "image id 1", "width = 0"]) { try self.open(badImage) }
        let dupCategory = #"{"images": [], "categories": [{"id": 1, "name": "x"}, {"id": 1, "name": "y"}]}"#
        assertDatasetError(["category id 1", "duplicate category id"]) { try self.open(dupCategory) }
    }

    func testMissingAndUnreadableImages() throws {
        let missing = #"{"images": [{"id": 4, "file_name": "nope.png", "width": 32, "height": 24}], "categories": [{"id": 1, "name": "x"}]}"#
        assertDatasetError(["instances_bad.json", "image id 4", "file_name = \"nope.png\"", "not found"]) { try self.open(missing) }

        let (file, dir) = try dataset(coco(""))
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("b.png"))
        let ds = try COCODataset(annotationFile: file, imageDirectory: dir)
        XCTAssertNoThrow(try ds.load(0))
        assertDatasetError([dir.appendingPathComponent("b.png").path, "image id 2", "not a PNG or JPEG"]) { try ds.load(1) }

        // Size in the file differs from the image.
        try ImageCodec.write(RGBImage(width: 10, height: 10), to: dir.appendingPathComponent("b.png"))
        assertDatasetError(["b.png", "image id 2", "size = 10x10", "32x24"]) { try ds.load(1) }
        assertDatasetError(["instances_bad.json", "index 5", "out of range"]) { try ds.load(5) }
    }

    func testSkipInvalidCountsAndWarns() throws {
        let annotations = """
            {"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 5, 5]},
            {"id": 2, "image_id": 1, "category_id": 5, "bbox": [1, 1, -5, 5]},
            {"id": 3, "image_id": 42, "category_id": 5, "bbox": [1, 1, 5, 5]},
            {"id": 4, "image_id": 2, "category_id": 77, "bbox": [1, 1, 5, 5]},
            {"id": 5, "image_id": 2, "category_id": 8, "bbox": [2, 3, 4, 5], "iscrowd": 1}
            """
        let ds = try open(coco(annotations), skipInvalid: true)
        XCTAssertEqual(ds.skippedCount, 3)
        XCTAssertEqual(ds.warnings.count, 3)
        XCTAssertTrue(ds.warnings[0].contains("annotation id 2 (image 1)"))
        XCTAssertTrue(ds.warnings[1].contains("annotation id 3 (image 42)"))
        XCTAssertTrue(ds.warnings[2].contains("annotation id 4 (image 2)"))
        XCTAssertEqual(ds.annotationCount, 2)
        XCTAssertEqual(try ds.load(1).crowd, [true])
    }
}
