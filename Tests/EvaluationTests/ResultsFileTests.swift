import Foundation
import XCTest
import TestSupport
@testable import Evaluation

final class ResultsFileTests: XCTestCase {
    private let groundTruth = GroundTruth(
        images: [.init(id: 5, width: 100, height: 100, fileName: "a.jpg"), .init(id: 6, width: 100, height: 100)],
        annotations: [.init(id: 1, imageId: 5, categoryId: 3, bbox: box(1, 2, 30, 40))],
        categories: [.init(id: 3, name: "person")])

    func testRoundTripIsExactAndAtomic() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("results.json")
        let detections = [
            Detection(imageId: 5, categoryId: 3, bbox: box(0.1 + 0.2, -3.5, 1e-7, 123456.789), score: 0.8999999999999999),
            Detection(imageId: 6, categoryId: 3, bbox: box(0, 0, 0, 0), score: 1e-300),
            Detection(imageId: 123_456_789_012, categoryId: -4, bbox: box(1, 2, 3, 4), score: 0),
        ]
        try COCOResultsFile.write(detections, to: url)
        XCTAssertEqual(try COCOResultsFile.read(from: url), detections)
        // Overwrite in place: still one file, no temporary left behind.
        try COCOResultsFile.write(Array(detections.prefix(1)), to: url)
        XCTAssertEqual(try COCOResultsFile.read(from: url), Array(detections.prefix(1)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["results.json"])
        // Empty list round-trips too.
        try COCOResultsFile.write([], to: url)
        XCTAssertEqual(try COCOResultsFile.read(from: url), [])
    }

    func testWrittenFileIsStandardJSON() throws {
        let data = try COCOResultsFile.encode([Detection(imageId: 5, categoryId: 3, bbox: box(1, 2, 3.25, 4), score: 0.5)])
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        XCTAssertEqual(parsed.count, 1)
        XCTAssertEqual(parsed[0]["image_id"] as? Int, 5)
        XCTAssertEqual(parsed[0]["category_id"] as? Int, 3)
        XCTAssertEqual(parsed[0]["bbox"] as? [Double], [1, 2, 3.25, 4])
        XCTAssertEqual(parsed[0]["score"] as? Double, 0.5)
        // Codable form agrees with the file format.
        let decoded = try JSONDecoder().decode([Detection].self, from: data)
        XCTAssertEqual(decoded.first?.bbox, box(1, 2, 3.25, 4))
    }

    func testWritingNaNScoreFailsAndWritesNothing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.json")
        let error = captureInputError {
            try COCOResultsFile.write([
                Detection(imageId: 5, categoryId: 3, bbox: box(1, 2, 3, 4), score: 0.5),
                Detection(imageId: 6, categoryId: 3, bbox: box(1, 2, 3, 4), score: .nan),
            ], to: url)
        }
        let text = try XCTUnwrap(error).description
        XCTAssertTrue(text.contains("bad.json"), text)
        XCTAssertTrue(text.contains("detection #1 (image_id 6"), text)
        XCTAssertTrue(text.contains("score"), text)
        XCTAssertTrue(text.contains("\n  hint: "), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    private func writeFile(_ text: String, name: String) throws -> URL {
        let dir = try makeTemporaryDirectory()
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return url
    }

    func testUnknownImageIdNamesFileAndId() throws {
        let url = try writeFile("""
            [{"image_id": 5, "category_id": 3, "bbox": [1, 2, 30, 40], "score": 0.9},
             {"image_id": 999, "category_id": 3, "bbox": [1, 2, 30, 40], "score": 0.8}]
            """, name: "dets_unknown_image.json")
        let error = captureInputError { _ = try COCOEvaluator(groundTruth: self.groundTruth).evaluate(resultsFile: url) }
        let e = try XCTUnwrap(error)
        XCTAssertEqual(e.file, url.path)
        XCTAssertEqual(e.field, "image_id")
        XCTAssertEqual(e.value, "999")
        XCTAssertTrue(e.description.contains("dets_unknown_image.json"), e.description)
        XCTAssertTrue(e.description.contains("detection #1 (image_id 999, category_id 3)"), e.description)
        XCTAssertTrue(e.description.contains("ids 5...6"), e.description)
    }

    func testUnknownCategoryIdIsRejected() throws {
        let error = captureInputError {
            _ = try COCOEvaluator(groundTruth: self.groundTruth).evaluate(
                [Detection(imageId: 5, categoryId: 0, bbox: box(1, 2, 3, 4), score: 0.5)], file: "preds.json")
        }
        let text = try XCTUnwrap(error).description
        XCTAssertTrue(text.contains("preds.json: detection #0 (image_id 5, category_id 0)"), text)
        XCTAssertTrue(text.contains("category_id"), text)
        XCTAssertTrue(text.contains("not contiguous label indices"), text)
    }

    func testNaNScoreInFileNamesFileAndDetection() throws {
        // Python's json.dump writes NaN for float('nan').
        let url = try writeFile("""
            [{"image_id": 5, "category_id": 3, "bbox": [1, 2, 30, 40], "score": 0.9},
             {"image_id": 6, "category_id": 3, "bbox": [1, 2, 30, 40], "score": NaN}]
            """, name: "dets_nan.json")
        let e = try XCTUnwrap(captureInputError { _ = try COCOResultsFile.read(from: url) })
        XCTAssertEqual(e.field, "score")
        XCTAssertTrue(e.description.contains("dets_nan.json"), e.description)
        XCTAssertTrue(e.description.contains("detection #1 (image_id 6, category_id 3)"), e.description)
        XCTAssertTrue(e.description.contains("non-finite"), e.description)
    }

    func testNegativeWidthIsRejected() throws {
        let url = try writeFile("""
            [{"image_id": 5, "category_id": 3, "bbox": [10, 20, -5, 40], "score": 0.9}]
            """, name: "dets_xyxy.json")
        let e = try XCTUnwrap(captureInputError { _ = try COCOResultsFile.read(from: url) })
        XCTAssertEqual(e.field, "bbox")
        XCTAssertTrue(e.description.contains("dets_xyxy.json: detection #0 (image_id 5, category_id 3)"), e.description)
        XCTAssertTrue(e.description.contains("negative width"), e.description)
    }

    func testMalformedJSONNamesFileAndPosition() throws {
        let url = try writeFile("[{\"image_id\": 5, \"category_id\": 3,\n \"bbox\": [1, 2, 3", name: "truncated.json")
        let e = try XCTUnwrap(captureInputError { _ = try COCOResultsFile.read(from: url) })
        XCTAssertTrue(e.description.contains("truncated.json: line 2"), e.description)
        XCTAssertTrue(e.description.contains("malformed JSON"), e.description)
    }

    func testMissingAndMistypedFields() throws {
        let missing = try XCTUnwrap(captureInputError {
            _ = try COCOResultsFile.decode(jsonData: Data(#"[{"image_id": 5, "bbox": [1,2,3,4], "score": 1}]"#.utf8), file: "r.json")
        })
        XCTAssertEqual(missing.field, "category_id")
        XCTAssertTrue(missing.description.contains("r.json: detection #0 (image_id 5)"), missing.description)
        let mistyped = try XCTUnwrap(captureInputError {
            _ = try COCOResultsFile.decode(jsonData: Data(#"[{"image_id": "5", "category_id": 3, "bbox": [1,2,3,4], "score": 1}]"#.utf8))
        })
        XCTAssertEqual(mistyped.field, "image_id")
        XCTAssertEqual(mistyped.value, "\"5\"")
        let shortBox = try XCTUnwrap(captureInputError {
            _ = try COCOResultsFile.decode(jsonData: Data(#"[{"image_id": 5, "category_id": 3, "bbox": [1,2,3], "score": 1}]"#.utf8))
        })
        XCTAssertEqual(shortBox.field, "bbox")
        let notList = try XCTUnwrap(captureInputError {
            _ = try COCOResultsFile.decode(jsonData: Data(#"{"image_id": 5}"#.utf8))
        })
        XCTAssertTrue(notList.reason.contains("list"), notList.description)
    }

    func testMissingFileIsAnInputError() throws {
        let url = URL(fileURLWithPath: "/nonexistent/dir/results.json")
        let e = try XCTUnwrap(captureInputError { _ = try COCOResultsFile.read(from: url) })
        XCTAssertEqual(e.file, url.path)
        let w = try XCTUnwrap(captureInputError { try COCOResultsFile.write([], to: url) })
        XCTAssertEqual(w.file, url.path)
    }
}
