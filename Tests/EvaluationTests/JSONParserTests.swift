import Foundation
import XCTest
@testable import Evaluation

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONValue.parse(Data(text.utf8), file: "t.json")
    }

    func testNumbersParseExactly() throws {
        guard case .array(let values) = try parse("[0.8999999999999999, 0.35000000000000003, -0.0, 1e-5, 12345678901234567, 3, 2.5E+2]") else {
            return XCTFail("expected an array")
        }
        XCTAssertEqual([0, 1, 2, 3, 5, 6].compactMap { values[$0].double }, [0.8999999999999999, 0.35000000000000003, -0.0, 1e-5, 3, 250])
        XCTAssertEqual(values[4].int, 12345678901234567, "large integer ids stay exact")
        XCTAssertNil(values[0].int)
    }

    func testStringsAndEscapes() throws {
        guard case .object(let o) = try parse(#"{"a": "x\"y\\z\/\n\u00e9\ud83d\ude00", "b": [true, false, null], "": {}}"#) else {
            return XCTFail("expected an object")
        }
        guard case .string(let s)? = o["a"] else { return XCTFail("expected a string") }
        XCTAssertEqual(s, "x\"y\\z/\n\u{e9}\u{1F600}")
        XCTAssertEqual(o.count, 3)
    }

    func testRejectsInvalidJSON() {
        for text in ["", "[1,]", "[01]", "[1.]", "{\"a\" 1}", "[1 2]", "\"abc", "[+1]", "tru", "[1] x", "{\"a\":\"\u{01}\"}"] {
            XCTAssertNotNil(captureInputError { _ = try self.parse(text) }, "should reject \(text.debugDescription)")
        }
    }

    func testAcceptsPythonNonFiniteLiterals() throws {
        guard case .array(let values) = try parse("[NaN, Infinity, -Infinity]") else { return XCTFail("expected an array") }
        XCTAssertTrue(values[0].double?.isNaN ?? false)
        XCTAssertEqual(values[1].double, .infinity)
        XCTAssertEqual(values[2].double, -.infinity)
    }
}
