// The pieces of a job's timeline (trace.json, docs/observability.md): a span is a named stretch
// of one rank's time; a rank records its spans on its own clock, shifted to the coordinator's
// (the offset measured over MPI at start-up), and sends them to the coordinator once per
// iteration (`WorkerMessage.spans`), which keeps them in the journal's trace.
//
// Span names: iteration ⊃ {data, forward, assign, pair_send, pair_receive, coordinator_wait, report,
// loss_backward, allreduce, step, checkpoint, evaluation}. Within an iteration the leaves are
// back to back: their durations add up to the phase times of metrics.jsonl.
import Foundation

public struct Span: Equatable, Sendable {
    public var name: String
    /// Seconds since the Unix epoch, on the coordinator's clock.
    public var start: Double
    public var seconds: Double
    /// The iteration it belongs to.
    public var iteration: Int
    public init(name: String, start: Double, seconds: Double, iteration: Int) {
        self.name = name; self.start = start; self.seconds = seconds; self.iteration = iteration
    }
    public var end: Double { start + seconds }
}

/// Wall-clock seconds for span times: the process's monotonic clock, anchored once to the wall
/// clock (a clock step during the run does not tear the timeline), plus an offset to the
/// coordinator's clock.
public struct SpanClock: Sendable {
    let wallAnchor: Double
    let monoAnchor: UInt64
    /// Added to this process's wall clock to get the coordinator's.
    public let offset: Double

    public init(offset: Double = 0) {
        wallAnchor = Date().timeIntervalSince1970
        monoAnchor = DispatchTime.now().uptimeNanoseconds
        self.offset = offset
    }

    init(wallAnchor: Double, monoAnchor: UInt64, offset: Double) {
        self.wallAnchor = wallAnchor; self.monoAnchor = monoAnchor; self.offset = offset
    }

    /// The same clock with another offset.
    public func with(offset: Double) -> SpanClock { SpanClock(wallAnchor: wallAnchor, monoAnchor: monoAnchor, offset: offset) }

    /// Seconds (coordinator's clock) at monotonic time `nanoseconds` (DispatchTime uptime).
    public func seconds(at nanoseconds: UInt64) -> Double {
        wallAnchor + offset + (Double(nanoseconds) - Double(monoAnchor)) / 1e9
    }

    public var now: Double { seconds(at: DispatchTime.now().uptimeNanoseconds) }

    /// The offset of this process to a reference process from rounds of (both sides read their
    /// clock as they leave a barrier): the median of (reference − own) over the rounds. Its error
    /// is about the spread of the barrier's exit times (tens of microseconds on one host).
    public static func offset(rounds: [(own: Double, reference: Double)]) -> Double {
        let d = rounds.map { $0.reference - $0.own }.sorted()
        guard !d.isEmpty else { return 0 }
        return d.count % 2 == 1 ? d[d.count / 2] : (d[d.count / 2 - 1] + d[d.count / 2]) / 2
    }
}
