// Reads an event file back: TFRecord framing (EventFileWriter.swift) with both masked CRC-32Cs
// checked, then each record's Event message (ProtoDecoding.swift). Every problem is reported
// with the file, the record's index (from 0) and byte offset, and what was wrong. A file that
// ends inside a record (a writer stopped mid-write, or a file still being written) is an error
// too, unless the caller asks to keep the complete records before it.
import Foundation

public enum EventFile {
    public static func read(_ url: URL, allowTruncatedTail: Bool = false) throws -> [Event] {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw TensorBoardError(file: url.path, message: "cannot read the event file: \(error.localizedDescription)",
                                   hint: "check the path (event files are named events.out.tfevents.*)")
        }
        return try decode(bytes, file: url.path, allowTruncatedTail: allowTruncatedTail)
    }

    static func decode(_ bytes: [UInt8], file: String, allowTruncatedTail: Bool = false) throws -> [Event] {
        var events: [Event] = []
        var offset = 0
        let truncatedHint = "the writer stopped in the middle of this record (a crash or a full disk), or the file is still being written; the records before it are intact"
        while offset < bytes.count {
            func failure(_ message: String, _ hint: String) -> TensorBoardError {
                TensorBoardError(file: file, record: events.count, offset: offset, message: message, hint: hint)
            }
            func le32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
            let left = bytes.count - offset
            guard left >= 12 else {
                if allowTruncatedTail { break }
                throw failure("truncated record: the file ends \(left) bytes into its 12-byte header", truncatedHint)
            }
            let lengthBytes = bytes[offset..<(offset + 8)]
            let storedLengthCRC = le32(offset + 8), lengthCRC = CRC32C.masked(lengthBytes)
            guard storedLengthCRC == lengthCRC else {
                throw failure("length CRC mismatch (stored 0x\(hex(storedLengthCRC)), computed 0x\(hex(lengthCRC)))",
                              "the file is damaged, or is not a TensorBoard event file")
            }
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard let n = Int(exactly: length), n <= left - 16 else {
                if allowTruncatedTail { break }
                throw failure("truncated record: it holds \(length) data bytes and its CRC, but the file ends \(left - 12) bytes after its header", truncatedHint)
            }
            let data = bytes[(offset + 12)..<(offset + 12 + n)]
            let storedCRC = le32(offset + 12 + n), dataCRC = CRC32C.masked(data)
            guard storedCRC == dataCRC else {
                throw failure("data CRC mismatch (stored 0x\(hex(storedCRC)), computed 0x\(hex(dataCRC)) over \(n) bytes)",
                              "the file is damaged (bytes changed on disk or in a copy)")
            }
            do { events.append(try Event(decoding: data)) } catch let e as ProtoDecodeError {
                throw failure("bad Event message: \(e.message) at byte offset \(e.offset)",
                              "the CRCs match, so the writer wrote these bytes: not an Event, or a writer bug")
            }
            offset += 16 + n
        }
        return events
    }

    private static func hex(_ v: UInt32) -> String { String(v, radix: 16, uppercase: true) }
}
