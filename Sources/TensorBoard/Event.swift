// The part of TensorBoard's `Event` message (tensorboard/compat/proto/event.proto) that colad
// writes and reads back: a wall time, a step, and one of a file version, a summary of scalars,
// or a session log. Values are plain data; ProtoEncoding.swift turns them into bytes and
// EventFileReader.swift back.

/// One scalar of a summary: `Summary.Value { tag = 1; simple_value = 2 }`.
public struct ScalarValue: Equatable, Sendable {
    public var tag: String
    public var value: Float
    public init(tag: String, value: Float) { self.tag = tag; self.value = value }
}

/// An event record. In a well-formed event at most one of `fileVersion`, `values` (a summary) and
/// `sessionStatus` is set (they share the proto's `oneof what`); an event of any other kind
/// (graph, tensor summary, …) reads back with none of them.
public struct Event: Equatable, Sendable {
    /// Seconds since 1970 (`wall_time = 1`).
    public var wallTime: Double
    /// `step = 2`.
    public var step: Int
    /// `file_version = 3`, "brain.Event:2" in the first event of a file.
    public var fileVersion: String?
    /// `summary = 5`: its values that carry a `simple_value` (others are skipped when reading).
    public var values: [ScalarValue]
    /// `session_log = 7`: SessionLog.status (0 unspecified, 1 START, 2 STOP, 3 CHECKPOINT).
    public var sessionStatus: Int?

    public init(wallTime: Double, step: Int, fileVersion: String? = nil, values: [ScalarValue] = [],
                sessionStatus: Int? = nil) {
        self.wallTime = wallTime; self.step = step; self.fileVersion = fileVersion
        self.values = values; self.sessionStatus = sessionStatus
    }

    /// SessionLog.START: TensorBoard drops events already read with step >= this event's step.
    public static let sessionStart = 1
}
