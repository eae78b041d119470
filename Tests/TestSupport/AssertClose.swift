import Foundation
import XCTest

/// Compares two float sequences elementwise: |a - e| <= atol + rtol * |e|.
/// On failure reports the count of mismatches, the first few (index, actual, expected) and
/// the max absolute difference, at the caller's file and line.
public func assertClose<A: Collection, E: Collection>(
    _ actual: A, _ expected: E, atol: Double = 1e-5, rtol: Double = 1e-4,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) where A.Element: BinaryFloatingPoint, E.Element: BinaryFloatingPoint {
    let a = actual.map { Double($0) }
    let e = expected.map { Double($0) }
    guard a.count == e.count else {
        XCTFail("assertClose: count \(a.count) != expected \(e.count). \(message())", file: file, line: line)
        return
    }
    var bad: [(Int, Double, Double)] = []
    var maxDiff = 0.0
    var badCount = 0
    for i in 0..<a.count {
        let d = abs(a[i] - e[i])
        if d.isNaN || a[i].isNaN != e[i].isNaN { badCount += 1; if bad.count < 5 { bad.append((i, a[i], e[i])) }; continue }
        maxDiff = max(maxDiff, d)
        if d > atol + rtol * abs(e[i]) {
            badCount += 1
            if bad.count < 5 { bad.append((i, a[i], e[i])) }
        }
    }
    if badCount > 0 {
        let first = bad.map { "[\($0.0)] \($0.1) vs \($0.2)" }.joined(separator: ", ")
        XCTFail("assertClose: \(badCount)/\(a.count) mismatches (atol \(atol), rtol \(rtol)); max |diff| \(maxDiff); first: \(first). \(message())",
                file: file, line: line)
    }
}

/// Scalar form of `assertClose`.
public func assertClose<T: BinaryFloatingPoint>(
    _ actual: T, _ expected: T, atol: Double = 1e-5, rtol: Double = 1e-4,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    assertClose([actual], [expected], atol: atol, rtol: rtol, message(), file: file, line: line)
}

/// Root of the repository, found from this source file's location (Tests/TestSupport/…).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Loads a JSON fixture from Tests/Fixtures/<relativePath>.
public func loadFixtureJSON(_ relativePath: String, file: StaticString = #filePath, line: UInt = #line) throws -> Any {
    let url = repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
    let data = try Data(contentsOf: url)
    return try JSONSerialization.jsonObject(with: data)
}

/// URL of a fixture file under Tests/Fixtures.
public func fixtureURL(_ relativePath: String) -> URL {
    repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
}
