// The safetensors format: an 8-byte little-endian header length L, L bytes of JSON
//   { "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//     "__metadata__": {"key": "value", ...} }
// padded with spaces to a multiple of 8, then the raw little-endian tensor bytes.
// Offsets are relative to the end of the header. colad writes F32; it reads F32, F64 and F16.
import Foundation

public struct NamedTensor: Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name; self.shape = shape; self.values = values
    }
}

public enum SafeTensors {
    /// Serialises tensors (sorted by name, as the Python package does) with optional metadata.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let sorted = tensors.sorted { $0.name < $1.name }
        for t in sorted {
            precondition(t.shape.reduce(1, *) == t.values.count, "SafeTensors: \(t.name) shape/value mismatch")
            let bytes = t.values.count * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for t in sorted {
            t.values.withUnsafeBufferPointer { buf in
                // Float32 is stored little-endian; all supported hosts are little-endian.
                out.append(UnsafeBufferPointer(start: UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                               count: buf.count * 4))
            }
        }
        return out
    }

    /// Parses a safetensors file's bytes. Every inconsistency is an error naming `file`.
    public static func decode(_ data: Data, file: String = "<memory>") throws -> (tensors: [NamedTensor], metadata: [String: String]) {
        func fail(_ field: String, _ value: String, _ hint: String) -> EngineError {
            EngineError(file: file, field: field, value: value, hint: hint)
        }
        guard data.count >= 8 else {
            throw fail("header length", "file has \(data.count) bytes", "a safetensors file starts with an 8-byte header length; the file is truncated or not safetensors")
        }
        let headerLen = data.prefix(8).withUnsafeBytes { raw -> UInt64 in
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(raw[i]) << (8 * UInt64(i)) }
            return v
        }
        guard headerLen > 0, headerLen <= UInt64(data.count - 8), headerLen < 100_000_000 else {
            throw fail("header length", "\(headerLen) (file has \(data.count) bytes)", "the file is truncated or not safetensors")
        }
        let hStart = data.startIndex + 8
        let hEnd = hStart + Int(headerLen)
        let headerObj: Any
        do { headerObj = try JSONSerialization.jsonObject(with: data[hStart..<hEnd]) }
        catch { throw fail("header", "invalid JSON", "the header is corrupt: \(error.localizedDescription)") }
        guard let header = headerObj as? [String: Any] else {
            throw fail("header", "not a JSON object", "the header is corrupt")
        }
        let body = data.count - 8 - Int(headerLen)
        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw fail("__metadata__", "\(value)", "metadata must map strings to strings") }
                metadata = m
                continue
            }
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String,
                  let shape = (e["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offs = (e["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offs.count == 2
            else { throw fail("tensor \(name)", "\(value)", "each entry needs dtype, shape and data_offsets [begin, end]") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor \(name).shape", "\(shape)", "dimensions must be ≥ 0") }
            entries.append((name, dtype, shape, offs[0], offs[1]))
        }
        // Offsets must tile the body exactly, in order, without overlap (the format's rule).
        entries.sort { $0.begin < $1.begin || ($0.begin == $1.begin && $0.end < $1.end) }
        var cursor = 0
        var tensors: [NamedTensor] = []
        for e in entries {
            let width: Int
            switch e.dtype {
            case "F32": width = 4
            case "F64": width = 8
            case "F16": width = 2
            default: throw fail("tensor \(e.name).dtype", e.dtype, "colad reads F32, F64 and F16 tensors")
            }
            let n = e.shape.reduce(1, *)
            guard e.begin == cursor, e.end >= e.begin, e.end - e.begin == n * width else {
                throw fail("tensor \(e.name).data_offsets", "[\(e.begin), \(e.end)] for shape \(e.shape) \(e.dtype)",
                           "offsets must be contiguous from 0 and match the shape; the file is corrupt")
            }
            guard e.end <= body else {
                throw fail("tensor \(e.name).data_offsets", "[\(e.begin), \(e.end)] but the data section has \(body) bytes",
                           "the file is truncated")
            }
            let start = hEnd + e.begin
            var values = [Float](repeating: 0, count: n)
            data[start..<(start + n * width)].withUnsafeBytes { raw in
                switch width {
                case 4: for i in 0..<n { values[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
                case 8: for i in 0..<n { values[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)) }
                default: for i in 0..<n { values[i] = Float(Float16Bits(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian)) }
                }
            }
            tensors.append(NamedTensor(name: e.name, shape: e.shape, values: values))
            cursor = e.end
        }
        guard cursor == body else {
            throw fail("data section", "\(body) bytes, tensors cover \(cursor)", "trailing bytes after the last tensor; the file is corrupt")
        }
        return (tensors.sorted { $0.name < $1.name }, metadata)
    }

    /// Writes atomically: to a temporary file in the same directory, then renamed over `url`.
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to url: URL) throws {
        try writeAtomically(try encode(tensors, metadata: metadata), to: url)
    }

    public static func read(_ url: URL) throws -> (tensors: [NamedTensor], metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: url) }
        catch { throw EngineError(file: url.path, field: "file", value: "unreadable", hint: error.localizedDescription) }
        return try decode(data, file: url.path)
    }
}

/// IEEE half → Float without relying on the platform's Float16 type.
func Float16Bits(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int((h >> 10) & 0x1f), frac = UInt32(h & 0x3ff)
    if exp == 0 { let v = Float(frac) * 0x1.0p-24; return sign != 0 ? -v : v }
    if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (frac << 13)) }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (frac << 13))
}

/// Writes `data` to a temporary file beside `url`, flushes it, then renames it over `url`,
/// so readers see either the old file or the complete new one, never a partial write.
public func writeAtomically(_ data: Data, to url: URL) throws {
    let dir = url.deletingLastPathComponent()
    let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
            throw EngineError(file: tmp.path, field: "file", value: "cannot create", hint: "check that \(dir.path) is writable")
        }
        let h = try FileHandle(forWritingTo: tmp)
        try h.write(contentsOf: data)
        try h.synchronize()
        try h.close()
        if rename(tmp.path, url.path) != 0 {
            throw EngineError(file: url.path, field: "rename", value: String(cString: strerror(errno)), hint: "check permissions of \(dir.path)")
        }
    } catch {
        try? FileManager.default.removeItem(at: tmp)
        if let e = error as? EngineError { throw e }
        throw EngineError(file: url.path, field: "write", value: "failed", hint: error.localizedDescription)
    }
}

extension ParameterStore {
    /// All parameters as named tensors (their stable names are the checkpoint keys).
    public func namedTensors() -> [NamedTensor] {
        parameters.map { p in NamedTensor(name: p.name, shape: p.shape, values: Array(UnsafeBufferPointer(start: p.values, count: p.count))) }
    }

    /// Loads values from named tensors: every parameter must be present with its exact shape,
    /// and no unknown tensor may be present. Nothing is written unless everything checks out.
    public func load(_ tensors: [NamedTensor], file: String) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for p in parameters {
            guard let t = byName[p.name] else {
                throw EngineError(file: file, field: "tensor \(p.name)", value: "missing",
                                  hint: "the weights were saved from a different model preset")
            }
            guard t.shape == p.shape else {
                throw EngineError(file: file, field: "tensor \(p.name).shape", value: "\(t.shape), expected \(p.shape)",
                                  hint: "the weights were saved from a different model preset")
            }
        }
        if let extra = tensors.first(where: { parameter(named: $0.name) == nil }) {
            throw EngineError(file: file, field: "tensor \(extra.name)", value: "not a parameter of this model",
                              hint: "the weights were saved from a different model preset")
        }
        for p in parameters {
            byName[p.name]!.values.withUnsafeBufferPointer { p.values.update(from: $0.baseAddress!, count: p.count) }
        }
    }
}

/// PyTorch's NCHW ↔ colad's NHWC, for activations exchanged through safetensors files
/// (`colad diag backbone`, the cross-framework fixtures).
extension NamedTensor {
    /// This [N, C, H, W] tensor as an NHWC `Tensor`.
    public var nhwcTensor: Tensor {
        precondition(shape.count == 4, "NamedTensor(\(name)).nhwcTensor: shape \(shape) is not [N, C, H, W]")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        var out = [Float](repeating: 0, count: values.count)
        for b in 0..<n { for ch in 0..<c { for y in 0..<h { for x in 0..<w {
            out[((b * h + y) * w + x) * c + ch] = values[((b * c + ch) * h + y) * w + x]
        } } } }
        return Tensor(shape: [n, h, w, c], data: out)
    }

    /// An NHWC `Tensor` as a [N, C, H, W] named tensor.
    public init(nchw t: Tensor, name: String) {
        let (n, h, w, c) = (t.n, t.h, t.w, t.c)
        var out = [Float](repeating: 0, count: t.count)
        t.withPointer { v in
            for b in 0..<n { for ch in 0..<c { for y in 0..<h { for x in 0..<w {
                out[((b * c + ch) * h + y) * w + x] = v[((b * h + y) * w + x) * c + ch]
            } } } }
        }
        self.init(name: name, shape: [n, c, h, w], values: out)
    }
}
