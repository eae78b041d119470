import Foundation
import XCTest
@testable import Evaluation

final class GroundTruthTests: XCTestCase {
    private func load(_ json: String) throws -> GroundTruth {
        try GroundTruth(jsonData: Data(json.utf8), file: "instances.json")
    }

    func testLoadsCOCOInstancesWithExtraFields() throws {
        let gt = try load("""
            {"info": {"year": 2017}, "licenses": [],
             "images": [{"id": 397133, "width": 640, "height": 427, "file_name": "000000397133.jpg", "license": 4}],
             "annotations": [{"id": 1, "image_id": 397133, "category_id": 44, "bbox": [217.62, 240.54, 38.99, 57.75],
                              "area": 1408.87, "iscrowd": 0, "segmentation": [[224.24, 297.18, 228.29, 297.18]]},
                             {"id": 2, "image_id": 397133, "category_id": 1, "bbox": [1, 2, 3, 4]}],
             "categories": [{"supercategory": "person", "id": 1, "name": "person"}, {"id": 44, "name": "bottle"}]}
            """)
        XCTAssertEqual(gt.images, [.init(id: 397133, width: 640, height: 427, fileName: "000000397133.jpg")])
        XCTAssertEqual(gt.annotations[0].bbox, box(217.62, 240.54, 38.99, 57.75))
        XCTAssertEqual(gt.annotations[0].effectiveArea, 1408.87)
        XCTAssertEqual(gt.annotations[1].area, nil)
        XCTAssertEqual(gt.annotations[1].effectiveArea, 12, "missing area falls back to w*h")
        XCTAssertFalse(gt.annotations[1].isCrowd)
        XCTAssertEqual(gt.categories.map(\.name), ["person", "bottle"])
        // Codable round trip of the model.
        let again = try JSONDecoder().decode(GroundTruth.self, from: JSONEncoder().encode(gt))
        XCTAssertEqual(again, gt)
    }

    func testErrorsNameFileRecordAndValue() throws {
        let images = #"[{"id": 1, "width": 10, "height": 10}]"#
        let cats = #"[{"id": 3, "name": "a"}]"#
        func expectError(_ annotations: String, contains needles: [String], line: UInt = #line) {
            let json = #"{"images": \#(images), "categories": \#(cats), "annotations": \#(annotations)}"#
            guard let e = captureInputError({ _ = try self.load(json) }) else {
                return XCTFail("expected an EvaluationInputError", line: line)
            }
            for needle in needles + ["instances.json"] {
                XCTAssertTrue(e.description.contains(needle), "\(e.description) lacks \(needle)", line: line)
            }
        }
        expectError(#"[{"id": 8, "image_id": 2, "category_id": 3, "bbox": [0,0,1,1]}]"#,
                    contains: ["annotation id 8 (image_id 2)", "image_id", "no image with this id"])
        expectError(#"[{"id": 8, "image_id": 1, "category_id": 4, "bbox": [0,0,1,1]}]"#,
                    contains: ["annotation id 8", "category_id", "= 4"])
        expectError(#"[{"id": 8, "image_id": 1, "category_id": 3, "bbox": [0,0,-1,1]}]"#,
                    contains: ["annotation id 8", "negative width"])
        expectError(#"[{"id": 8, "image_id": 1, "category_id": 3, "bbox": [0,0,1,1]}, {"id": 8, "image_id": 1, "category_id": 3, "bbox": [0,0,1,1]}]"#,
                    contains: ["annotation id 8", "duplicate annotation id"])
        expectError(#"[{"id": 8, "image_id": 1, "category_id": 3}]"#,
                    contains: ["annotation id 8 (image_id 1)", "\"bbox\"", "missing"])
        expectError(#"[{"id": 8, "image_id": 1, "category_id": 3, "bbox": [0,0,1,1], "iscrowd": 2}]"#,
                    contains: ["iscrowd", "0 or 1"])
        expectError(#"[{"id": 8, "image_id": 1, "category_id": 3, "bbox": [0,0,1,1], "area": Infinity}]"#,
                    contains: ["area", "non-finite"])
    }

    func testMissingTopLevelListAndDuplicateImage() throws {
        let noCats = try XCTUnwrap(captureInputError { _ = try self.load(#"{"images": [], "annotations": []}"#) })
        XCTAssertEqual(noCats.field, "categories")
        let dup = try XCTUnwrap(captureInputError {
            _ = try self.load(#"{"images": [{"id": 1, "width": 1, "height": 1}, {"id": 1, "width": 1, "height": 1}], "annotations": [], "categories": []}"#)
        })
        XCTAssertTrue(dup.description.contains("image id 1"), dup.description)
        XCTAssertTrue(dup.description.contains("duplicate"), dup.description)
    }

    func testEvaluatorValidatesInMemoryGroundTruth() throws {
        let gt = GroundTruth(images: [.init(id: 1, width: 1, height: 1)],
                             annotations: [.init(id: 1, imageId: 1, categoryId: 9, bbox: box(0, 0, 1, 1))],
                             categories: [])
        let e = try XCTUnwrap(captureInputError { _ = try COCOEvaluator(groundTruth: gt) })
        XCTAssertEqual(e.file, nil)
        XCTAssertTrue(e.description.hasPrefix("<in-memory>: annotation id 1"), e.description)
    }
}
