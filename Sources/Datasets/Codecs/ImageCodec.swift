import CImageCodecs
import Foundation

/// Image file formats the codecs understand.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg

    /// Detects the format from the first bytes (PNG signature / JPEG SOI marker).
    public static func detect(_ data: Data) -> ImageFormat? {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// The format an output file's extension asks for; a `DatasetError` naming the file and
    /// extension for any other.
    public init(outputFile url: URL) throws {
        guard let format = ImageFormat(pathExtension: url.pathExtension) else {
            let ext = url.pathExtension
            throw DatasetError(file: url.path, value: ext.isEmpty ? "no extension" : ".\(ext)",
                               message: ext.isEmpty ? "cannot tell the image format: the file name has no extension"
                                   : "cannot write a .\(ext) image: unknown extension",
                               hint: "name the file .png (PNG) or .jpg / .jpeg (JPEG)")
        }
        self = format
    }

    /// The format for a file extension (`png`, `jpg`, `jpeg`; case-insensitive).
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }
}

/// Reads and writes PNG/JPEG images as `RGBImage` (RGB8) through libpng and libjpeg.
///
/// Every input layout is converted to RGB8: grayscale is replicated to three channels and an
/// alpha channel is dropped (colour values are kept as stored, not composited). 16-bit PNGs are
/// reduced to 8 bits by libpng. Failures throw `DatasetError` naming the file.
public enum ImageCodec {
    /// Decodes PNG or JPEG bytes (format detected from the signature). `file` names the source
    /// in error messages.
    public static func decode(_ data: Data, file: String = "<memory>") throws -> RGBImage {
        guard !data.isEmpty else {
            throw DatasetError(file: file, message: "cannot read image: the file is empty",
                               hint: "re-export the image")
        }
        guard let format = ImageFormat.detect(data) else {
            let head = data.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
            throw DatasetError(file: file, value: "first bytes \(head)",
                               message: "cannot read image: not a PNG or JPEG file",
                               hint: "only PNG and JPEG images are supported")
        }
        var width: Int32 = 0, height: Int32 = 0
        var out: UnsafeMutablePointer<UInt8>? = nil
        var message = [CChar](repeating: 0, count: 256)
        let code: Int32 = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return -1 }
            return message.withUnsafeMutableBufferPointer { err in
                switch format {
                case .png: return colad_png_decode(base, raw.count, &width, &height, &out, err.baseAddress, err.count)
                case .jpeg: return colad_jpeg_decode(base, raw.count, &width, &height, &out, err.baseAddress, err.count)
                }
            }
        }
        defer { colad_free(out) }
        guard code == 0, let out else {
            throw DatasetError(file: file, message: "cannot read \(format.rawValue.uppercased()) image: \(text(message))",
                               hint: "the file is corrupt or truncated; re-export or remove it")
        }
        let count = Int(width) * Int(height) * 3
        let pixels = [UInt8](UnsafeBufferPointer(start: out, count: count))
        return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// Reads an image file.
    public static func read(contentsOf url: URL) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw DatasetError(file: url.path, message: exists ? "cannot read image file" : "image file not found",
                               hint: exists ? "check the file permissions" : "check the image directory and file_name")
        }
        return try decode(data, file: url.path)
    }

    /// Encodes as an 8-bit RGB PNG (lossless).
    public static func encodePNG(_ image: RGBImage) throws -> Data {
        try encode(image, name: "PNG") { px, out, size, err, errLen in
            colad_png_encode(px, Int32(image.width), Int32(image.height), out, size, err, errLen)
        }
    }

    /// Encodes as a JPEG with `quality` in 1...100.
    public static func encodeJPEG(_ image: RGBImage, quality: Int = 90) throws -> Data {
        let q = Int32(min(max(quality, 1), 100))
        return try encode(image, name: "JPEG") { px, out, size, err, errLen in
            colad_jpeg_encode(px, Int32(image.width), Int32(image.height), q, out, size, err, errLen)
        }
    }

    /// Writes `image` to `url` atomically; the format defaults to the file extension's (another
    /// extension is an error, see `ImageFormat(outputFile:)`).
    public static func write(_ image: RGBImage, to url: URL, format: ImageFormat? = nil, quality: Int = 90) throws {
        let chosen = try format ?? ImageFormat(outputFile: url)
        let data = chosen == .png ? try encodePNG(image) : try encodeJPEG(image, quality: quality)
        try AtomicFile.write(data, to: url)
    }

    private typealias Encoder = (UnsafePointer<UInt8>, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
                                 UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>?, Int) -> Int32

    private static func encode(_ image: RGBImage, name: String, _ call: Encoder) throws -> Data {
        guard image.width > 0, image.height > 0 else {
            throw DatasetError(file: "<memory>", value: "\(image.width)x\(image.height)",
                               message: "cannot encode an empty image as \(name)")
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let code: Int32 = image.pixels.withUnsafeBufferPointer { px in
            guard let base = px.baseAddress else { return -1 }
            return message.withUnsafeMutableBufferPointer { err in
                call(base, &out, &size, err.baseAddress, err.count)
            }
        }
        defer { colad_free(out) }
        guard code == 0, let out else {
            throw DatasetError(file: "<memory>", message: "\(name) encoding failed: \(text(message))")
        }
        return Data(bytes: out, count: size)
    }

    private static func text(_ cString: [CChar]) -> String {
        String(decoding: cString.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
