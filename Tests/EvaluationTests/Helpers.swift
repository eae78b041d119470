import Foundation
@testable import Evaluation

/// Shorthand for test boxes.
func box(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> COCOBox {
    COCOBox(x: x, y: y, width: w, height: h)
}

/// A fresh empty directory under the system temp dir.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("evaluation-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `body`, expecting an `EvaluationInputError`; returns it (nil if something else happened).
func captureInputError(_ body: () throws -> Void) -> EvaluationInputError? {
    do {
        try body()
        return nil
    } catch let error as EvaluationInputError {
        return error
    } catch {
        return nil
    }
}
