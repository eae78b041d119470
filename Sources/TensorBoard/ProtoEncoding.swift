// The protobuf wire encoding of an Event, byte for byte as Python's protobuf (upb) serializes the
// same message, so a file colad writes equals one written by tensorboard's own writer:
//
//   Event      { double wall_time = 1; int64 step = 2;
//                oneof what { string file_version = 3; Summary summary = 5; SessionLog session_log = 7 } }
//   Summary    { repeated Value value = 1 }
//   Value      { string tag = 1; oneof value { float simple_value = 2 } }
//   SessionLog { SessionStatus status = 1 }   (0 unspecified, 1 START, 2 STOP, 3 CHECKPOINT)
//
// Fields go out in field-number order. Plain proto3 fields (wall_time, step, tag, status) are
// left out when they hold their default: 0 or "" (upb compares the bits, so -0.0 is written).
// Oneof members have explicit presence and are written whenever set, even when empty or zero:
// file_version "", an empty SessionLog, simple_value 0.0. Negative int64/enum values are
// sign-extended to 64 bits (10-byte varints). (session_log is field 7: 6 is the old log_message.)
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    enum WireType: UInt64 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    /// Base-128, low group first, high bit set on every byte but the last.
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) { varint(UInt64(field) << 3 | type.rawValue) }

    mutating func varintField(_ field: Int, _ value: Int64) { key(field, .varint); varint(UInt64(bitPattern: value)) }

    mutating func fixed32Field(_ field: Int, _ value: UInt32) {
        key(field, .fixed32)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }

    mutating func fixed64Field(_ field: Int, _ value: UInt64) {
        key(field, .fixed64)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }

    mutating func lengthDelimitedField(_ field: Int, _ payload: [UInt8]) {
        key(field, .lengthDelimited); varint(UInt64(payload.count)); bytes += payload
    }
}

extension Event {
    /// The serialized Event message (see the header for the rules).
    func encoded() -> [UInt8] {
        var w = ProtoWriter()
        if wallTime.bitPattern != 0 { w.fixed64Field(1, wallTime.bitPattern) }
        if step != 0 { w.varintField(2, Int64(step)) }
        if let version = fileVersion { w.lengthDelimitedField(3, Array(version.utf8)) }
        if !values.isEmpty {
            var summary = ProtoWriter()
            for v in values {
                var value = ProtoWriter()
                if !v.tag.isEmpty { value.lengthDelimitedField(1, Array(v.tag.utf8)) }
                value.fixed32Field(2, v.value.bitPattern)
                summary.lengthDelimitedField(1, value.bytes)
            }
            w.lengthDelimitedField(5, summary.bytes)
        }
        if let status = sessionStatus {
            var log = ProtoWriter()
            if status != 0 { log.varintField(1, Int64(status)) }
            w.lengthDelimitedField(7, log.bytes)
        }
        return w.bytes
    }
}
