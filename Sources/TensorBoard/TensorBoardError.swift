// The one error of this module: which event file, which record and byte offset when reading,
// what was wrong, and a hint for the user.
public struct TensorBoardError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// Index of the record in the file (from 0), when reading.
    public var record: Int?
    /// Byte offset in the file where the problem was found, when reading.
    public var offset: Int?
    public var message: String
    public var hint: String

    public init(file: String, record: Int? = nil, offset: Int? = nil, message: String, hint: String = "") {
        self.file = file; self.record = record; self.offset = offset; self.message = message; self.hint = hint
    }

    public var description: String {
        var s = "\(file): "
        if let r = record { s += "record \(r)" + (offset.map { " at byte offset \($0)" } ?? "") + ": " }
        else if let o = offset { s += "byte offset \(o): " }
        s += message
        if !hint.isEmpty { s += "\n  hint: \(hint)" }   // the hint style of every colad error
        return s
    }
}
