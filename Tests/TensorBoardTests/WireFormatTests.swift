// Hand-checkable cases for the pieces under the event file: CRC-32C check values, the mask,
// varints and small Event messages encoded byte by byte from the protobuf rules.
@testable import TensorBoard
import XCTest

final class WireFormatTests: XCTestCase {
    func testCRC32CCheckValues() {
        // The catalogued check value of CRC-32C (iSCSI), and RFC 3720 B.4's 32-byte vectors.
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    func testMaskByHand() {
        // crc = 0xE3069283 = 1110 0011 0000 0110 1001 0010 1000 0011
        // crc >> 15: its top 17 bits 1 1100 0110 0000 1101           = 0x0001C60D
        // crc << 17: its low 15 bits (0x1283) moved to the top        = 0x25060000
        // rotated = 0x2507C60D; + 0xA282EAD8: low halves 0xC60D + 0xEAD8 = 0x1B0E5 (carry 1),
        // high halves 0x2507 + 0xA282 + 1 = 0xC78A                       → 0xC78AB0E5
        XCTAssertEqual(CRC32C.mask(0xE306_9283), 0xC78A_B0E5)
        XCTAssertEqual(CRC32C.mask(0), 0xA282_EAD8)
        XCTAssertEqual(CRC32C.mask(1), 0xA284_EAD8)              // 1 << 17 = 0x20000
        XCTAssertEqual(CRC32C.mask(0xFFFF_FFFF), 0xA282_EAD7)    // all ones + c wraps to c - 1
    }

    func varint(_ v: UInt64) -> [UInt8] { var w = ProtoWriter(); w.varint(v); return w.bytes }

    func testVarints() {
        XCTAssertEqual(varint(0), [0x00])
        XCTAssertEqual(varint(1), [0x01])
        XCTAssertEqual(varint(127), [0x7F])
        XCTAssertEqual(varint(128), [0x80, 0x01])
        XCTAssertEqual(varint(300), [0xAC, 0x02])                // 300 = 0b10_0101100
        // int64 -1 is 64 one bits: nine bytes of 7 ones with the continuation bit, then one bit.
        var w = ProtoWriter(); w.varintField(2, -1)
        XCTAssertEqual(w.bytes, [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        var r = ProtoReader(ArraySlice(w.bytes))
        XCTAssertEqual(try r.field()?.number, 2)
        XCTAssertEqual(Int64(bitPattern: try r.varint()), -1)
    }

    func testEventsEncodedByHand() {
        // file_version = 3, length-delimited: key (3 << 3) | 2 = 0x1A, length 13; wall_time and step 0 are omitted.
        XCTAssertEqual(Event(wallTime: 0, step: 0, fileVersion: "brain.Event:2").encoded(), [0x1A, 0x0D] + Array("brain.Event:2".utf8))
        // wall_time = 1 as fixed64 (key 0x09): 1.0 is 0x3FF0000000000000, little-endian.
        XCTAssertEqual(Event(wallTime: 1, step: 0).encoded(), [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        // step 2 (key 0x10), session_log = 7 (key 0x3A) holding status START (key 0x08, 1).
        XCTAssertEqual(Event(wallTime: 0, step: 2, sessionStatus: 1).encoded(), [0x10, 0x02, 0x3A, 0x02, 0x08, 0x01])
        // An unspecified status is a present but empty SessionLog.
        XCTAssertEqual(Event(wallTime: 0, step: 0, sessionStatus: 0).encoded(), [0x3A, 0x00])
        // Value { tag "x" (0x0A 01 'x'); simple_value 0 (0x15 + 4 zero bytes: in a oneof, written) },
        // inside Summary.value (0x0A, 8 bytes), inside Event.summary = 5 (0x2A, 10 bytes).
        XCTAssertEqual(Event(wallTime: 0, step: 0, values: [ScalarValue(tag: "x", value: 0)]).encoded(),
                       [0x2A, 0x0A, 0x0A, 0x08, 0x0A, 0x01, 0x78, 0x15, 0, 0, 0, 0])
    }

    func testDecodingSkipsUnknownFieldsByWireType() throws {
        var value = ProtoWriter()
        value.lengthDelimitedField(1, Array("t".utf8)); value.fixed32Field(2, Float(1.5).bitPattern)
        value.varintField(99, 5)                                   // unknown inside a value
        var tensorOnly = ProtoWriter()
        tensorOnly.lengthDelimitedField(1, Array("tensor".utf8)); tensorOnly.lengthDelimitedField(8, [1, 2, 3])
        var summary = ProtoWriter()
        summary.lengthDelimitedField(1, tensorOnly.bytes); summary.lengthDelimitedField(1, value.bytes)
        var w = ProtoWriter()
        w.varintField(2, 123_456)
        w.varintField(20, -3)                                      // unknown varint (10 bytes)
        w.fixed64Field(21, 7); w.fixed32Field(22, 7)               // unknown fixed64, fixed32
        w.lengthDelimitedField(23, [0xFF, 0xFF])                   // unknown bytes
        w.fixed32Field(2, 9)                                       // known number, wrong wire type
        w.lengthDelimitedField(5, summary.bytes)
        let e = try Event(decoding: ArraySlice(w.bytes))
        XCTAssertEqual(e, Event(wallTime: 0, step: 123_456, values: [ScalarValue(tag: "t", value: 1.5)]))

        XCTAssertThrowsError(try Event(decoding: ArraySlice([0x1B, 0x00]))) { error in   // key 3 << 3 | 3: a group
            XCTAssertTrue("\(error)".contains("wire type 3"), "\(error)")
        }
    }
}
