import Foundation
import TestSupport
import XCTest
@testable import Datasets

final class CodecTests: XCTestCase {
    func testPNGRoundTripIsExact() throws {
        let image = noiseImage(width: 37, height: 23, seed: 1)
        let data = try ImageCodec.encodePNG(image)
        XCTAssertEqual(ImageFormat.detect(data), .png)
        XCTAssertEqual(try ImageCodec.decode(data), image)
    }

    func testJPEGRoundTripWithinTolerance() throws {
        // Smooth content: JPEG at quality 95 should be close.
        var image = RGBImage(width: 64, height: 48)
        for y in 0..<48 { for x in 0..<64 { image[x, y] = (UInt8(x * 4), UInt8(y * 5), UInt8((x + y) * 2)) } }
        let data = try ImageCodec.encodeJPEG(image, quality: 95)
        XCTAssertEqual(ImageFormat.detect(data), .jpeg)
        let decoded = try ImageCodec.decode(data)
        XCTAssertEqual(decoded.width, 64)
        XCTAssertEqual(decoded.height, 48)
        assertClose(decoded.pixels.map(Float.init), image.pixels.map(Float.init), atol: 12, rtol: 0)
        let meanError = zip(decoded.pixels, image.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        XCTAssertLessThan(Double(meanError) / Double(image.pixels.count), 2.0)
        // Lower quality gives a smaller file.
        XCTAssertLessThan(try ImageCodec.encodeJPEG(image, quality: 20).count, data.count)
    }

    func testOtherPNGColourTypesBecomeRGB() throws {
        let expected = try XCTUnwrap(loadFixtureJSON("datasets/png_expected.json") as? [String: Any])
        let rgb = try XCTUnwrap(expected["rgb"] as? [String: [Int]])
        XCTAssertEqual(rgb.count, 4)
        for (name, values) in rgb {
            let image = try ImageCodec.read(contentsOf: fixtureURL("datasets/\(name)"))
            XCTAssertEqual(image.width, 4, name)
            XCTAssertEqual(image.height, 3, name)
            XCTAssertEqual(image.pixels.map(Int.init), values, "\(name): gray replicated, alpha dropped, palette expanded")
        }
    }

    func testGrayAndCMYKJPEGsBecomeRGB() throws {
        let gray = try ImageCodec.read(contentsOf: fixtureURL("datasets/gray_16x8.jpg"))
        XCTAssertEqual(gray.width, 16)
        XCTAssertEqual(gray.height, 8)
        assertClose(gray.pixels.map(Float.init), [Float](repeating: 100, count: 16 * 8 * 3), atol: 2, rtol: 0)
        let cmyk = try ImageCodec.read(contentsOf: fixtureURL("datasets/cmyk_16x8.jpg"))
        let expected: [Float] = (0..<(16 * 8)).flatMap { _ in [200, 100, 100] }
        assertClose(cmyk.pixels.map(Float.init), expected, atol: 3, rtol: 0)
    }

    func testFileRoundTripByExtension() throws {
        let dir = try makeTemporaryDirectory(self)
        let image = noiseImage(width: 16, height: 8, seed: 2)
        try ImageCodec.write(image, to: dir.appendingPathComponent("a.png"))
        try ImageCodec.write(image, to: dir.appendingPathComponent("b.jpg"), quality: 90)
        XCTAssertEqual(try ImageCodec.read(contentsOf: dir.appendingPathComponent("a.png")), image)
        let jpeg = try Data(contentsOf: dir.appendingPathComponent("b.jpg"))
        XCTAssertEqual(ImageFormat.detect(jpeg), .jpeg)
        XCTAssertEqual(try ImageCodec.decode(jpeg).width, 16)
    }

    /// The extension decides the output format; another extension is an error naming it
    /// (it used to get PNG bytes whatever its name said).
    func testOutputFormatFollowsTheExtension() throws {
        let dir = try makeTemporaryDirectory(self)
        let image = noiseImage(width: 8, height: 8, seed: 4)
        for (name, format) in [("a.png", ImageFormat.png), ("b.JPG", .jpeg), ("c.jpeg", .jpeg), ("d.PNG", .png)] {
            let url = dir.appendingPathComponent(name)
            XCTAssertEqual(try ImageFormat(outputFile: url), format, name)
            try ImageCodec.write(image, to: url)
            XCTAssertEqual(ImageFormat.detect(try Data(contentsOf: url)), format, name)
        }
        let gif = dir.appendingPathComponent("e.gif")
        assertDatasetError([gif.path, "value .gif", "cannot write a .gif image", "name the file .png"]) { try ImageCodec.write(image, to: gif) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: gif.path))
        assertDatasetError(["no extension", "has no extension"]) { try ImageFormat(outputFile: dir.appendingPathComponent("f")) }
        XCTAssertNoThrow(try ImageCodec.write(image, to: gif, format: .png), "an explicit format is written whatever the name")
    }

    func testTruncatedFilesAreClearErrors() throws {
        let dir = try makeTemporaryDirectory(self)
        let image = noiseImage(width: 40, height: 30, seed: 3)
        for (name, data) in [("cut.png", try ImageCodec.encodePNG(image)),
                             ("cut.jpg", try ImageCodec.encodeJPEG(image, quality: 90))] {
            let url = dir.appendingPathComponent(name)
            try data.prefix(data.count / 2).write(to: url)
            assertDatasetError([url.path, "truncated"]) { try ImageCodec.read(contentsOf: url) }
        }
    }

    func testCorruptMissingAndForeignFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        // Valid PNG signature, garbage after.
        var bad = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        bad.append(Data(repeating: 7, count: 50))
        let corrupt = dir.appendingPathComponent("corrupt.png")
        try bad.write(to: corrupt)
        assertDatasetError(["corrupt.png", "cannot read PNG"]) { try ImageCodec.read(contentsOf: corrupt) }
        // JPEG marker followed by garbage.
        let badJPEG = dir.appendingPathComponent("corrupt.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3, 4, 5]).write(to: badJPEG)
        assertDatasetError(["corrupt.jpg", "cannot read JPEG"]) { try ImageCodec.read(contentsOf: badJPEG) }

        let text = dir.appendingPathComponent("notes.png")
        try Data("hello world".utf8).write(to: text)
        assertDatasetError(["notes.png", "not a PNG or JPEG"]) { try ImageCodec.read(contentsOf: text) }

        let empty = dir.appendingPathComponent("empty.png")
        try Data().write(to: empty)
        assertDatasetError(["empty.png", "empty"]) { try ImageCodec.read(contentsOf: empty) }

        assertDatasetError(["missing.png", "not found"]) {
            try ImageCodec.read(contentsOf: dir.appendingPathComponent("missing.png"))
        }
    }

    func testEncodingAnEmptyImageThrows() {
        assertDatasetError(["empty image"]) { try ImageCodec.encodePNG(RGBImage(width: 0, height: 0)) }
    }
}
