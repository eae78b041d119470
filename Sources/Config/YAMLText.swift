import Foundation
import Yams

// How values are written as YAML, shared by `resolvedYAML()` and the hints that name a
// default. Every form here reads back to the same value (tested by the round trip).

protocol YAMLText {
    var yamlText: String { get }
}

extension Int: YAMLText {
    var yamlText: String { String(self) }
}

extension Double: YAMLText {
    /// Swift's shortest round-trip form: 4.0, 0.01, 0.0001, 1e-05 (the decoder accepts all).
    var yamlText: String { description }
}

extension Bool: YAMLText {
    var yamlText: String { self ? "true" : "false" }
}

extension String: YAMLText {
    /// Plain when that reads back as this same string (names, paths, endpoints); otherwise
    /// double-quoted and escaped like JSON (a subset of YAML's double-quoted style).
    var yamlText: String {
        isPlainSafe ? self : quoted
    }

    private var isPlainSafe: Bool {
        guard let first = unicodeScalars.first, last != ":" else { return false }
        let word = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_./"))
        let allowed = word.union(CharacterSet(charactersIn: ":-"))
        guard unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }), word.contains(first) else { return false }
        return Resolver.default.resolveTag(of: Node(self)) == .str  // not null, true, 12, 1.5, …
    }

    private var quoted: String {
        var s = "\""
        for u in unicodeScalars {
            switch u {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\t": s += "\\t"
            case "\r": s += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    s += "\\u" + String(u.value, radix: 16).leftPadded(to: 4)
                } else {
                    s.unicodeScalars.append(u)
                }
            }
        }
        return s + "\""
    }

    fileprivate func leftPadded(to n: Int) -> String {
        String(repeating: "0", count: max(0, n - count)) + self
    }
}

extension Array: YAMLText where Element: YAMLText {
    var yamlText: String { "[" + map(\.yamlText).joined(separator: ", ") + "]" }
}

extension Optional: YAMLText where Wrapped: YAMLText {
    var yamlText: String { self?.yamlText ?? "null" }
}

/// Enums whose raw values are plain YAML-safe words.
protocol YAMLEnum: RawRepresentable, CaseIterable, YAMLText where RawValue == String {}

extension YAMLEnum {
    var yamlText: String { rawValue }
    static var allowed: String { allCases.map(\.rawValue).joined(separator: " | ") }
}

extension Mode: YAMLEnum {}
extension DatasetKind: YAMLEnum {}
extension ResizeKind: YAMLEnum {}
extension LossVariant: YAMLEnum {}
extension CoLADRule: YAMLEnum {}
extension Granularity: YAMLEnum {}
extension BackboneKind: YAMLEnum {}
extension BackboneNorm: YAMLEnum {}
extension Conv3x3Algorithm: YAMLEnum {}
extension EvalNetwork: YAMLEnum {}
