// The suite's JSON files (result.json, results.json, schedule.json): one encoding for all,
// pretty and key-sorted, with a missing metric (NaN) written as "nan" and read back.
import Engine
import Foundation

enum SuiteJSON {
    static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try writeAtomically(try enc.encode(value), to: url)
    }

    static func read<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try dec.decode(type, from: Data(contentsOf: url))
    }
}
