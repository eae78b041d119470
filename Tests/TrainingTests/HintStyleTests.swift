import Config
import Datasets
import Evaluation
import Foundation
import Training
import XCTest

/// Every user-facing error type writes its hint the same way: on its own line, indented under
/// the message (what the CLI prints after "error: ").
final class HintStyleTests: XCTestCase {
    func testEveryErrorTypeWritesItsHintTheSameWay() {
        let errors: [CustomStringConvertible] = [
            TrainingError("cannot write x", hint: "check free space"),
            ConfigError(file: "c.yaml", line: 3, column: 5, keyPath: "train.lr", value: "x", message: "expected a number", hint: "check free space"),
            DatasetError(file: "a.json", id: "image id 4", field: "width", value: "0", message: "must be > 0", hint: "check free space"),
            EvaluationInputError(file: "r.json", location: "detection #1", reason: "score is NaN", hint: "check free space"),
        ]
        for e in errors {
            let lines = e.description.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(lines.count, 2, e.description)
            XCTAssertEqual(lines.last, "  hint: check free space", e.description)
            XCTAssertFalse(lines[0].contains("hint"), e.description)
        }
    }
}
