import Config
import Datasets
import Foundation
import Training
import XCTest

/// `openDataset`: a COCO training split without annotations is refused naming the file (it
/// would train to a near-zero loss and mAP 0), the same file as a validation split is not.
final class DatasetOpeningTests: XCTestCase {
    func testEmptyTrainingAnnotationsAreAnError() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ImageCodec.write(RGBImage(width: 16, height: 16, fill: (1, 2, 3)), to: dir.appendingPathComponent("a.png"))
        let file = dir.appendingPathComponent("instances.json")
        try Data(#"{"images": [{"id": 1, "file_name": "a.png", "width": 16, "height": 16}], "annotations": [], "categories": [{"id": 1, "name": "x"}]}"#.utf8)
            .write(to: file)
        var data = DataConfig()
        data.dataset = .coco
        data.trainAnnotations = file.path; data.trainImages = dir.path
        data.valAnnotations = file.path; data.valImages = dir.path
        XCTAssertThrowsError(try openDataset(data, split: .train)) { e in
            XCTAssertTrue("\(e)".hasPrefix("\(file.path): annotations: no objects to train on in 1 image"), "\(e)")
        }
        XCTAssertEqual(try openDataset(data, split: .val).count, 1)
    }
}
