import Foundation
import XCTest
import StrictJSON

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String, allowNonFinite: Bool = false) throws -> JSONValue {
        try JSONValue.parse(Data(text.utf8), file: "t.json", allowNonFinite: allowNonFinite)
    }

    /// Runs `body`, expecting a `JSONSyntaxError`; returns it (nil if something else happened).
    private func captureSyntaxError(_ body: () throws -> Void) -> JSONSyntaxError? {
        do {
            try body()
            return nil
        } catch let error as JSONSyntaxError {
            return error
        } catch {
            return nil
        }
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
            XCTAssertNotNil(captureSyntaxError { _ = try self.parse(text) }, "should reject \(text.debugDescription)")
        }
    }

    func testAcceptsPythonNonFiniteLiteralsWhenAllowed() throws {
        guard case .array(let values) = try parse("[NaN, Infinity, -Infinity]", allowNonFinite: true) else { return XCTFail("expected an array") }
        XCTAssertTrue(values[0].double?.isNaN ?? false)
        XCTAssertEqual(values[1].double, .infinity)
        XCTAssertEqual(values[2].double, -.infinity)
    }

    func testRejectsNonFiniteLiteralsByDefault() {
        for text in ["[NaN]", "[Infinity]", "[-Infinity]"] {
            XCTAssertNotNil(captureSyntaxError { _ = try self.parse(text) }, "should reject \(text.debugDescription)")
        }
    }

    /// From Datasets' former parser tests (COCO files).
    func testParserDetails() throws {
        let value = try parse(#"{"s": "a\"\u00e9\ud83d\ude00\n", "n": [-1.5e2, 0, true, null]}"#)
        XCTAssertEqual(value.object?["s"], .string("a\"é😀\n"))
        XCTAssertEqual(value.object?["n"], .array([.number(-150), .integer(0), .bool(true), .null]))
        for bad in ["[1,]", "{\"a\":1,}", "01", "[1 2]", "\"abc", "[1] x", String(repeating: "[", count: 1000)] {
            XCTAssertThrowsError(try parse(bad), bad)
        }
        XCTAssertThrowsError(try parse("[\n1,\n  x]")) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.line, 3)
            XCTAssertEqual((error as? JSONSyntaxError)?.column, 3)
        }
    }

    func testErrorNamesFilePositionAndEarlyEnd() throws {
        let e = try XCTUnwrap(captureSyntaxError { _ = try self.parse("{\"images\": [\n") })
        XCTAssertEqual(e.file, "t.json")
        XCTAssertEqual([e.line, e.column], [2, 1])
        XCTAssertTrue(e.message.contains("unexpected end of file"), e.message)
        XCTAssertTrue(e.description.hasPrefix("t.json: line 2, column 1: "), e.description)
    }

    func testAccessors() throws {
        let o = try XCTUnwrap(try parse(#"{"i": 3, "d": 3.0, "x": 2.5, "b": true, "s": "t", "a": [], "z": null}"#).object)
        XCTAssertEqual(o["i"]?.int, 3)
        XCTAssertEqual(o["d"]?.int, 3)
        XCTAssertNil(o["x"]?.int)
        XCTAssertEqual(o["x"]?.double, 2.5)
        XCTAssertEqual(o["b"]?.bool, true)
        XCTAssertNil(o["i"]?.bool)
        XCTAssertEqual(o["s"]?.string, "t")
        XCTAssertEqual(o["a"]?.array, [])
        XCTAssertNil(o["z"]?.double)
        XCTAssertEqual(o["s"]?.brief, "\"t\"")
        XCTAssertEqual(JSONValue.array([.integer(1), .number(2.5), .null]).brief, "[1, 2.5, null]")
    }
}
