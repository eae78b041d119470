/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) — the checksum of zlib.crc32, so a
/// client in any language can compute it with its standard library.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        finish(update(0xFFFF_FFFF, bytes))
    }

    /// The checksum of `prefix` followed by `bytes` (zlib.crc32(prefix + bytes)), without joining them.
    public static func checksum<P: Collection, C: Collection>(_ bytes: C, after prefix: P) -> UInt32 where P.Element == UInt8, C.Element == UInt8 {
        finish(update(update(0xFFFF_FFFF, prefix), bytes))
    }

    static func update<C: Collection>(_ state: UInt32, _ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c = state
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c
    }

    static func finish(_ state: UInt32) -> UInt32 { state ^ 0xFFFF_FFFF }
}
