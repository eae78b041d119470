// Reading the Event message back (the schema is in ProtoEncoding.swift). A bounds-checked cursor
// over the record's bytes: every read throws on bytes that run out or a wire type that cannot be
// skipped, so a damaged message never traps. Unknown fields, and known field numbers with an
// unexpected wire type, are skipped by their wire type as protobuf parsers do; a repeated
// summary field merges its values, as protobuf merges repeated message fields.

/// What was wrong, and where: `offset` is the position in the buffer the cursor was given
/// (the byte offset in the file, since the reader passes slices of the whole file).
struct ProtoDecodeError: Error, Equatable {
    var offset: Int
    var message: String
}

struct ProtoReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; position = bytes.startIndex }

    private func fail(_ message: String) -> ProtoDecodeError { ProtoDecodeError(offset: position, message: message) }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        for i in 0..<10 {
            guard position < bytes.endIndex else { throw fail("varint runs past the end of its message") }
            let b = bytes[position]
            position += 1
            result |= UInt64(b & 0x7F) << (7 * i)
            if b & 0x80 == 0 { return result }
        }
        throw fail("varint longer than 10 bytes")
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        let left = bytes.endIndex - position
        guard count <= left else { throw fail("field of \(count) bytes runs past the end of its message (\(left) left)") }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    mutating func fixed32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func fixed64() throws -> UInt64 { try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }

    mutating func lengthDelimited() throws -> ArraySlice<UInt8> {
        let n = try varint()
        guard let count = Int(exactly: n) else { throw fail("field length \(n) is too large") }
        return try take(count)
    }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func field() throws -> (number: UInt64, wireType: UInt64)? {
        guard position < bytes.endIndex else { return nil }
        let key = try varint()
        guard key >> 3 != 0 else { throw fail("field number 0 (key 0x\(String(key, radix: 16)))") }
        return (key >> 3, key & 7)
    }

    mutating func skip(wireType: UInt64) throws {
        switch wireType {
        case 0: _ = try varint()
        case 1: _ = try take(8)
        case 2: _ = try lengthDelimited()
        case 5: _ = try take(4)
        default: throw fail("wire type \(wireType) cannot be skipped (groups are not supported)")
        }
    }
}

extension Event {
    init(decoding bytes: ArraySlice<UInt8>) throws {
        self.init(wallTime: 0, step: 0)
        var r = ProtoReader(bytes)
        while let (number, type) = try r.field() {
            switch (number, type) {
            case (1, 1): wallTime = Double(bitPattern: try r.fixed64())
            case (2, 0): step = Int(truncatingIfNeeded: try r.varint())
            case (3, 2): fileVersion = String(decoding: try r.lengthDelimited(), as: UTF8.self)
            case (5, 2): values += try Self.scalars(inSummary: r.lengthDelimited())
            case (7, 2): sessionStatus = try Self.status(inSessionLog: r.lengthDelimited())
            default: try r.skip(wireType: type)
            }
        }
    }

    /// The values of a Summary that carry a simple_value (tensor, image, … values are skipped).
    private static func scalars(inSummary bytes: ArraySlice<UInt8>) throws -> [ScalarValue] {
        var out: [ScalarValue] = []
        var r = ProtoReader(bytes)
        while let (number, type) = try r.field() {
            guard number == 1, type == 2 else { try r.skip(wireType: type); continue }
            var v = ProtoReader(try r.lengthDelimited())
            var tag = "", value: Float?
            while let (n, t) = try v.field() {
                switch (n, t) {
                case (1, 2): tag = String(decoding: try v.lengthDelimited(), as: UTF8.self)
                case (2, 5): value = Float(bitPattern: try v.fixed32())
                default: try v.skip(wireType: t)
                }
            }
            if let value { out.append(ScalarValue(tag: tag, value: value)) }
        }
        return out
    }

    private static func status(inSessionLog bytes: ArraySlice<UInt8>) throws -> Int {
        var status = 0
        var r = ProtoReader(bytes)
        while let (number, type) = try r.field() {
            if number == 1, type == 0 { status = Int(Int32(truncatingIfNeeded: try r.varint())) } else { try r.skip(wireType: type) }
        }
        return status
    }
}
