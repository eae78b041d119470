// The envelope of every colad message (DESIGN.md §3), 36 bytes, little-endian:
//   0  magic    "CLAD" (4 bytes)
//   4  version  u16   (protocolVersion)
//   6  type     u8    (message kind, see Runtime's MessageKind)
//   7  flags    u8    (0)
//   8  job id   u64
//  16  iteration i64
//  24  sender   i32   (world rank; -1 for clients)
//  28  length   u32   payload bytes that follow
//  32  crc32    u32   CRC-32 (zlib) of bytes 0..<32 followed by the payload: header and payload
//  36  payload
// A message failing any check is rejected with one `FrameRejection`; the caller drops and
// counts it. Documented for other clients in docs/status-protocol.md. The CRC catches damage,
// not forgery: the job's channels are authenticated and encrypted by CURVE (Curve.swift).

public enum FrameRejection: String, Error, CaseIterable, Sendable, Codable {
    case truncated, badMagic = "bad_magic", wrongVersion = "wrong_version", oversized
    case lengthMismatch = "length_mismatch", badChecksum = "bad_checksum", wrongJob = "wrong_job"
    case unexpected, malformedPayload = "malformed_payload"
    /// A peer that failed the CURVE handshake (not one of the job's keys, or no encryption).
    case unauthenticated
}

public struct Frame: Equatable, Sendable {
    public static let magic: [UInt8] = Array("CLAD".utf8)
    /// 2: the checksum covers the header too (1: the payload only).
    public static let protocolVersion: UInt16 = 2
    public static let headerSize = 36

    public var type: UInt8
    public var jobId: UInt64
    public var iteration: Int
    public var sender: Int
    public var payload: [UInt8]

    public init(type: UInt8, jobId: UInt64, iteration: Int, sender: Int, payload: [UInt8]) {
        self.type = type; self.jobId = jobId; self.iteration = iteration; self.sender = sender; self.payload = payload
    }

    public func encoded(version: UInt16 = Frame.protocolVersion) -> [UInt8] {
        var w = ByteWriter(capacity: Frame.headerSize + payload.count)
        w.raw(Frame.magic)
        w.u16(version); w.u8(type); w.u8(0)
        w.u64(jobId); w.i64(iteration); w.u32(UInt32(bitPattern: Int32(truncatingIfNeeded: sender)))
        w.u32(UInt32(payload.count))
        w.u32(CRC32.checksum(payload, after: w.bytes))
        w.raw(payload)
        return w.bytes
    }

    /// Decodes and validates one message. `jobId` nil accepts any job (the first Hello).
    public static func decode(_ bytes: [UInt8], jobId: UInt64?, maxPayload: Int) throws -> Frame {
        guard bytes.count >= headerSize else { throw FrameRejection.truncated }
        guard Array(bytes[0..<4]) == magic else { throw FrameRejection.badMagic }
        var r = ByteReader(bytes)
        _ = try r.take(4)
        guard try r.u16() == protocolVersion else { throw FrameRejection.wrongVersion }
        let type = try r.u8()
        _ = try r.u8()
        let job = try r.u64(), iteration = try r.i64(), sender = Int(Int32(bitPattern: try r.u32()))
        let length = Int(try r.u32()), crc = try r.u32()
        guard length <= maxPayload else { throw FrameRejection.oversized }
        guard bytes.count - headerSize == length else {
            throw bytes.count - headerSize < length ? FrameRejection.truncated : FrameRejection.lengthMismatch
        }
        let payload = Array(bytes[headerSize...])
        guard CRC32.checksum(payload, after: bytes[0..<32]) == crc else { throw FrameRejection.badChecksum }
        if let jobId, job != jobId { throw FrameRejection.wrongJob }
        return Frame(type: type, jobId: job, iteration: iteration, sender: sender, payload: payload)
    }
}

/// Per-kind counters of rejected messages (visible in status).
public struct RejectionCounters: Codable, Equatable, Sendable {
    public var counts: [String: Int] = [:]
    public init() {}
    public var total: Int { counts.values.reduce(0, +) }
    /// Counts one rejection; returns true the first time this kind is seen (log it once).
    @discardableResult
    public mutating func count(_ r: FrameRejection) -> Bool {
        counts[r.rawValue, default: 0] += 1
        return counts[r.rawValue] == 1
    }
    public mutating func merge(_ o: RejectionCounters) { for (k, v) in o.counts { counts[k, default: 0] += v } }

    /// Counts `n` rejections of one kind; returns true when they are the first of it.
    @discardableResult
    public mutating func count(_ r: FrameRejection, times n: Int) -> Bool {
        guard n > 0 else { return false }
        let first = counts[r.rawValue] == nil
        counts[r.rawValue, default: 0] += n
        return first
    }
}
