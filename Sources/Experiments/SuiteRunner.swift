// Runs the suite's trainings one after another (one run uses all cores), each into its own
// work dir with a `result.json` written last. A run whose result exists is reused, and an
// interrupted run resumes from its latest checkpoint, so re-running the command continues.
import Config
import Engine
import Foundation
import Training

/// What one finished run measured for one evaluated network.
public struct StudentResult: Codable, Equatable, Sendable {
    public var network: String
    public var map: Double
    public var ap50: Double
    public var ap75: Double
    /// (iterations completed, val mAP) at every evaluation.
    public var curve: [[Double]]
}

public struct RunResult: Codable, Equatable, Sendable {
    public var id: String
    public var key: String
    public var seed: Int
    public var method: String
    public var teacher: String
    public var wallSeconds: Double
    /// Preset of the evaluated network → its result.
    public var students: [String: StudentResult]
}

public struct SuiteRunner {
    public let out: URL
    public let log: (String) -> Void

    public init(out: URL, log: @escaping (String) -> Void = { print($0) }) {
        self.out = out; self.log = log
    }

    static func resultURL(_ run: SuiteRun) -> URL {
        URL(fileURLWithPath: run.config.workDir).appendingPathComponent("result.json")
    }

    /// Trains (or reuses) every run; returns their results in plan order.
    public func run(_ plan: [SuiteRun]) throws -> [RunResult] {
        var results: [RunResult] = []
        let start = Date()
        for (i, run) in plan.enumerated() {
            let url = SuiteRunner.resultURL(run)
            if let data = try? Data(contentsOf: url), let r = try? JSONDecoder().decode(RunResult.self, from: data) {
                log("[\(i + 1)/\(plan.count)] \(run.id): reusing \(url.path)")
                results.append(r)
                continue
            }
            log("[\(i + 1)/\(plan.count)] \(run.id): \(run.method), teacher \(run.teacher), "
                + "\(run.config.train.iterations) iterations (suite elapsed \(Int(Date().timeIntervalSince(start))) s)")
            let t0 = Date()
            try Trainer(config: run.config, log: { [log] in log("  \(run.id): \($0)") }).run(resume: true)
            // From metrics.jsonl, so a run that had finished training before an interruption
            // (resumed at its end, nothing left to evaluate) still reports its final evaluation.
            let (curves, final) = try SuiteRunner.evaluations(URL(fileURLWithPath: run.config.workDir).appendingPathComponent("metrics.jsonl"))
            var students: [String: StudentResult] = [:]
            for (id, preset) in run.students {
                guard let m = final[id.rawValue] else {
                    throw TrainingError("\(run.id): network \(id.rawValue) was not evaluated", hint: "check eval.network of the run")
                }
                students[preset] = StudentResult(network: id.rawValue, map: m["bbox_mAP"] ?? .nan, ap50: m["bbox_mAP_50"] ?? .nan,
                                                 ap75: m["bbox_mAP_75"] ?? .nan, curve: curves[id.rawValue] ?? [])
            }
            let r = RunResult(id: run.id, key: run.key, seed: run.seed, method: run.method, teacher: run.teacher,
                              wallSeconds: Date().timeIntervalSince(t0), students: students)
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeAtomically(try enc.encode(r), to: url)
            log("[\(i + 1)/\(plan.count)] \(run.id) done in \(Int(r.wallSeconds)) s: "
                + students.sorted { $0.key < $1.key }.map { String(format: "%@ mAP %.4f", $0.key, $0.value.map) }.joined(separator: ", "))
            results.append(r)
        }
        return results
    }

    /// From a run's metrics.jsonl eval lines: network → [(iterations completed, bbox_mAP)], and
    /// network → the metrics of its last evaluation.
    static func evaluations(_ url: URL) throws -> (curves: [String: [[Double]]], final: [String: [String: Double]]) {
        let text = try String(contentsOf: url, encoding: .utf8)
        var curves: [String: [[Double]]] = [:], final: [String: [String: Double]] = [:]
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let net = obj["eval"] as? String, let it = obj["iteration"] as? Int,
                  let map = obj["bbox_mAP"] as? Double else { continue }
            curves[net, default: []].append([Double(it), map])
            final[net] = obj.compactMapValues { $0 as? Double }
        }
        return (curves, final)
    }
}
