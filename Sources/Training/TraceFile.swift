// WORK_DIR/trace.json: the spans of a launch in Chrome's trace event format (JSON object form,
// "X" complete events, microseconds), opened by Perfetto (ui.perfetto.dev) or chrome://tracing.
// One process per network ("network a", "network b", and "job" for the single-process
// trainer's own spans), one thread (track) per rank. Bounded: after `maxEvents` spans the rest
// are counted, not kept. Rewritten whole (temp file, rename) at each checkpoint and at the end.
import Config
import Engine
import Foundation

public final class TraceFile {
    /// Where a rank's spans are drawn.
    public struct Track: Hashable, Sendable {
        /// Trace "pid": 0 job, 1 network a, 2 network b.
        public var group: Int
        public var groupName: String
        /// Trace "tid": the world rank (in-process: 1 + the replica's index).
        public var id: Int
        public var name: String
        public init(group: Int, groupName: String, id: Int, name: String) {
            self.group = group; self.groupName = groupName; self.id = id; self.name = name
        }

        public static func replica(_ network: NetworkID, rank: Int, name: String) -> Track {
            Track(group: network == .a ? 1 : 2, groupName: "network \(network.rawValue)", id: rank, name: name)
        }
    }

    public let url: URL
    public let maxEvents: Int
    /// Time zero of the file (seconds since the epoch, coordinator's clock).
    public let origin: Double
    private var tracks: [Track] = []
    private var events: [(track: Int, span: Span)] = []
    public private(set) var dropped = 0

    public init(url: URL, maxEvents: Int, origin: Double) {
        self.url = url; self.maxEvents = maxEvents; self.origin = origin
    }

    public var count: Int { events.count }

    /// Keeps `spans` of `track` while the bound allows; returns false when some were dropped.
    @discardableResult
    public func add(_ spans: [Span], track: Track) -> Bool {
        let index: Int
        if let i = tracks.firstIndex(of: track) { index = i } else { tracks.append(track); index = tracks.count - 1 }
        let room = max(0, maxEvents - events.count)
        for s in spans.prefix(room) { events.append((index, s)) }
        dropped += max(0, spans.count - room)
        return spans.count <= room
    }

    /// The whole file as JSON text.
    public func json() -> String {
        var out = "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"origin_unix_s\":\(origin),\"spans\":\(events.count),\"dropped_spans\":\(dropped)},\n\"traceEvents\":[\n"
        var first = true
        func emit(_ s: String) { out += (first ? "" : ",\n") + s; first = false }
        for g in Set(tracks.map { $0.group }).sorted() {
            let name = tracks.first { $0.group == g }!.groupName
            emit("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":\(g),\"tid\":0,\"args\":{\"name\":\(TraceFile.quote(name))}}")
            emit("{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":\(g),\"tid\":0,\"args\":{\"sort_index\":\(g)}}")
        }
        for t in tracks {
            emit("{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":\(t.group),\"tid\":\(t.id),\"args\":{\"name\":\(TraceFile.quote(t.name))}}")
            emit("{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":\(t.group),\"tid\":\(t.id),\"args\":{\"sort_index\":\(t.id)}}")
        }
        for (i, s) in events {
            let t = tracks[i]
            let ts = ((s.start - origin) * 1e6 * 1000).rounded() / 1000, dur = (s.seconds * 1e6 * 1000).rounded() / 1000
            emit("{\"ph\":\"X\",\"name\":\(TraceFile.quote(s.name)),\"pid\":\(t.group),\"tid\":\(t.id),\"ts\":\(ts),\"dur\":\(dur),\"args\":{\"iteration\":\(s.iteration)}}")
        }
        return out + "\n]}\n"
    }

    /// Writes the file (temp file, then rename).
    public func write() throws {
        do { try writeAtomically(Data(json().utf8), to: url) } catch {
            throw TrainingError("cannot write \(url.path): \(error)", hint: "check free space; monitor.trace: false turns the trace off")
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
