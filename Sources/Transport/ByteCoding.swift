/// Little-endian payload encoding. Reads are bounds-checked and throw `truncated` instead of
/// trapping, so bad bytes from the network can never crash a process.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    public mutating func i64(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    public mutating func f32s(_ v: [Float]) {
        u32(UInt32(v.count))
        v.withUnsafeBytes { bytes += $0 }   // little-endian hosts only (checked in Frame)
    }
    public mutating func i32s(_ v: [Int32]) {
        u32(UInt32(v.count))
        v.withUnsafeBytes { bytes += $0 }
    }
    public mutating func string(_ s: String) {
        let u = Array(s.utf8)
        u32(UInt32(u.count)); bytes += u
    }
    public mutating func raw(_ b: [UInt8]) { bytes += b }
}

public struct ByteReader {
    let bytes: [UInt8]
    public private(set) var offset = 0
    /// Largest element count a decoded array may claim (guards allocations from bad lengths).
    public var maxCount: Int

    public init(_ bytes: [UInt8], maxCount: Int = 1 << 26) { self.bytes = bytes; self.maxCount = maxCount }

    public var remaining: Int { bytes.count - offset }
    public var atEnd: Bool { offset == bytes.count }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw FrameRejection.truncated }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let s = try take(MemoryLayout<T>.size)
        var v: T = 0
        for (i, b) in s.enumerated() { v |= T(b) << (8 * i) }
        return v
    }

    public mutating func u8() throws -> UInt8 { try fixed(UInt8.self) }
    public mutating func u16() throws -> UInt16 { try fixed(UInt16.self) }
    public mutating func u32() throws -> UInt32 { try fixed(UInt32.self) }
    public mutating func u64() throws -> UInt64 { try fixed(UInt64.self) }
    public mutating func i64() throws -> Int { Int(Int64(bitPattern: try u64())) }
    public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }

    mutating func count(elementSize: Int) throws -> Int {
        let n = Int(try u32())
        guard n <= maxCount, n * elementSize <= remaining else { throw FrameRejection.truncated }
        return n
    }

    public mutating func f32s() throws -> [Float] {
        let n = try count(elementSize: 4)
        let s = try take(n * 4)
        return s.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    public mutating func i32s() throws -> [Int32] {
        let n = try count(elementSize: 4)
        let s = try take(n * 4)
        return s.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
    }

    public mutating func string() throws -> String {
        let n = try count(elementSize: 1)
        return String(decoding: try take(n), as: UTF8.self)
    }

    /// Throws unless every byte was consumed (trailing garbage is a malformed message).
    public func finish() throws { guard atEnd else { throw FrameRejection.lengthMismatch } }
}
