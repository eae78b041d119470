// Writes a TensorBoard event file: TFRecord framing of serialized Event messages, the same bytes
// tensorboard's own RecordWriter produces. One record is
//
//   UInt64 length (little-endian) | UInt32 masked CRC-32C of those 8 bytes | data | UInt32 masked CRC-32C of data
//
// Each record is built in memory and handed to one write(2) on a file opened with O_APPEND, so
// readers (TensorBoard polls the file) see whole records, and a crash leaves at most a truncated
// last record. Not thread-safe: one writer has one owner.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class EventFileWriter {
    /// The event file being written.
    public let url: URL
    private var fd: Int32

    /// Creates `directory` if needed and a new file in it named like tensorboard's writer does,
    /// `events.out.tfevents.<seconds>.<hostname>.<pid>.<counter>`, and writes the first event,
    /// `file_version: "brain.Event:2"` at `wallTime`.
    public convenience init(directory: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
        guard wallTime.isFinite, let seconds = Int(exactly: wallTime.rounded(.down)) else {
            throw TensorBoardError(file: directory.path, message: "wall time \(wallTime) is not a time",
                                   hint: "pass seconds since 1970, e.g. Date().timeIntervalSince1970")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardError(file: directory.path, message: "cannot create the directory: \(error.localizedDescription)",
                                   hint: "check that the parent is writable and that no file has this name")
        }
        let name = "events.out.tfevents.\(seconds).\(Self.hostname()).\(getpid()).\(fileCounter.next())"
        try self.init(file: directory.appendingPathComponent(name), wallTime: wallTime)
    }

    /// Creates `file`, which must not exist yet, and writes the file_version event.
    init(file: URL, wallTime: Double) throws {
        url = file
        fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TensorBoardError(file: file.path, message: "cannot create the event file: \(String(cString: strerror(errno)))",
                                   hint: "check that the directory is writable; an existing event file is never overwritten")
        }
        try write(Event(wallTime: wallTime, step: 0, fileVersion: "brain.Event:2"))
    }

    deinit { close() }

    /// One event whose summary holds all `values` (stored as Float); nothing for an empty list.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int, wallTime: Double) throws {
        guard !values.isEmpty else { return }
        try write(Event(wallTime: wallTime, step: step, values: values.map { ScalarValue(tag: $0.tag, value: Float($0.value)) }))
    }

    /// A SessionLog START at `step`: TensorBoard then drops the events it has read with a step
    /// >= `step`, so a run resumed from a checkpoint at `step` replaces the curves after it.
    public func sessionStart(step: Int, wallTime: Double) throws {
        try write(Event(wallTime: wallTime, step: step, sessionStatus: Event.sessionStart))
    }

    /// Appends one event as one record.
    public func write(_ event: Event) throws {
        guard fd >= 0 else { throw TensorBoardError(file: url.path, message: "write after close") }
        let record = Self.record(event.encoded())
        var written = 0
        while written < record.count {
            let n = record.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n < 0 ? String(cString: strerror(errno)) : "nothing written"
                throw TensorBoardError(file: url.path, message: "cannot write an event (step \(event.step), \(record.count) bytes): \(reason)",
                                       hint: "the disk may be full, or the file system read-only or gone; the events before this one are intact (a reader may see a truncated last record)")
            }
            written += n
        }
    }

    /// Makes the written events durable (fsync). They reach readers without it.
    public func flush() throws {
        guard fd >= 0, fsync(fd) != 0 else { return }
        throw TensorBoardError(file: url.path, message: "cannot flush the event file: \(String(cString: strerror(errno)))",
                               hint: "the disk may be full or the file system gone")
    }

    /// Closes the file; later writes throw. Safe to call twice.
    public func close() {
        if fd >= 0 { _ = systemClose(fd); fd = -1 }
    }

    /// One TFRecord: length, its masked CRC, the data, the data's masked CRC (all little-endian).
    static func record(_ data: [UInt8]) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let length = le(UInt64(data.count))
        return length + le(CRC32C.masked(length)) + data + le(CRC32C.masked(data))
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(cString: buffer)
    }
}

/// Distinguishes files created by one process in one second, as tensorboard's global uid does.
private final class FileCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value - 1 }
}
private let fileCounter = FileCounter()

// write(2) and close(2) under names the methods above do not shadow.
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
#if canImport(Glibc)
    Glibc.write(fd, p, n)
#else
    Darwin.write(fd, p, n)
#endif
}
private func systemClose(_ fd: Int32) -> Int32 {
#if canImport(Glibc)
    Glibc.close(fd)
#else
    Darwin.close(fd)
#endif
}
