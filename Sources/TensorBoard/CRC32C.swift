// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF),
// the checksum of TFRecord framing, and TensorBoard's mask over it. The mask rotates the CRC
// right by 15 bits and adds a constant, so a CRC stored inside CRC-protected data does not
// checksum to a fixed value.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// TensorBoard's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8, wrapping.
    static func mask(_ crc: UInt32) -> UInt32 { ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8 }

    static func masked<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 { mask(checksum(bytes)) }
}
