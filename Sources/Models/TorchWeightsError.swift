// What is wrong with a weights file read in PyTorch layout: every missing, unexpected or
// mis-shaped tensor at once (not just the first), each by name with its expected and found
// shapes, then one hint.

public struct TorchWeightsError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable {
        /// The network has this tensor but the file does not.
        case missing(name: String, expected: [Int])
        /// The file has this tensor (inside the selected prefixes) but the network does not.
        case unexpected(name: String, found: [Int])
        /// Both have it, with different shapes.
        case misShaped(name: String, expected: [Int], found: [Int])
        /// A prefix that selects no tensor of the network (a typo, or a part it does not have).
        case emptyPrefix(String)
        /// A tensor of a colad weights file that is not a colad network parameter (export).
        case notAColadParameter(name: String, found: [Int])

        var line: String {
            switch self {
            case .missing(let n, let e): return "missing \(n): expected shape \(e)"
            case .unexpected(let n, let f): return "unexpected \(n): shape \(f), not a tensor of this network"
            case .misShaped(let n, let e, let f): return "mis-shaped \(n): expected \(e), found \(f)"
            case .emptyPrefix(let p): return "prefix '\(p)' selects no tensor of this network"
            case .notAColadParameter(let n, let f): return "unknown \(n): shape \(f), not a colad network parameter"
            }
        }
    }

    public var file: String
    public var problems: [Problem]
    public var hint: String

    public init(file: String, problems: [Problem], hint: String) {
        self.file = file; self.problems = problems; self.hint = hint
    }

    public var description: String {
        let n = problems.count
        return "\(file): \(n) tensor problem\(n == 1 ? "" : "s"):\n"
            + problems.map { "  \($0.line)" }.joined(separator: "\n")
            + (hint.isEmpty ? "" : "\n  hint: \(hint)")
    }
}
