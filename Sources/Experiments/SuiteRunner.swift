// Runs the suite's trainings one after another (one run uses all cores), each into its own
// work dir with a `result.json` written last. A run whose result exists is reused, and an
// interrupted run resumes from its latest checkpoint, so re-running the command continues.
import Config
import Engine
import Foundation
import Training

/// What one finished run measured for one evaluated network (its last evaluation).
public struct StudentResult: Codable, Equatable, Sendable {
    public var network: String
    public var map: Double
    public var ap50: Double
    public var ap75: Double
    /// AP of small, medium and large objects (pycocotools' −1, no such objects, as nil).
    public var apSmall: Double?
    public var apMedium: Double?
    public var apLarge: Double?
    /// (iterations completed, val mAP) at every evaluation.
    public var curve: [[Double]]
    /// CoLAD: the share of label sets this network assigned, mean over iterations; nil otherwise.
    public var labelShare: Double?

    public init(network: String, map: Double, ap50: Double, ap75: Double, apSmall: Double? = nil, apMedium: Double? = nil,
                apLarge: Double? = nil, curve: [[Double]], labelShare: Double? = nil) {
        self.network = network; self.map = map; self.ap50 = ap50; self.ap75 = ap75
        self.apSmall = apSmall; self.apMedium = apMedium; self.apLarge = apLarge; self.curve = curve; self.labelShare = labelShare
    }

    /// The table's metrics by mmdetection name.
    public func metric(_ name: String) -> Double? {
        switch name {
        case "bbox_mAP": return map
        case "bbox_mAP_50": return ap50
        case "bbox_mAP_75": return ap75
        case "bbox_mAP_s": return apSmall
        case "bbox_mAP_m": return apMedium
        case "bbox_mAP_l": return apLarge
        default: return nil
        }
    }
}

public struct RunResult: Codable, Equatable, Sendable {
    public var id: String
    public var key: String
    public var kind: SuiteRun.Kind
    public var seed: Int
    public var method: String
    public var teacher: String
    public var iterations: Int
    public var wallSeconds: Double
    /// Preset of the evaluated network → its result.
    public var students: [String: StudentResult]
}

public struct SuiteRunner {
    public let log: (String) -> Void

    public init(log: @escaping (String) -> Void = { print($0) }) {
        self.log = log
    }

    static func resultURL(_ run: SuiteRun) -> URL { run.workDir.appendingPathComponent("result.json") }

    /// Trains (or reuses) every run; returns their results in plan order.
    public func run(_ plan: [SuiteRun]) throws -> [RunResult] {
        var results: [RunResult] = []
        let start = Date()
        for (i, run) in plan.enumerated() {
            let url = SuiteRunner.resultURL(run)
            if let r = try? SuiteJSON.read(RunResult.self, from: url) {
                log("[\(i + 1)/\(plan.count)] \(run.id): reusing \(url.path)")
                results.append(r)
                continue
            }
            log("[\(i + 1)/\(plan.count)] \(run.id): \(run.method), teacher \(run.teacher), "
                + "\(run.config.train.iterations) iterations (suite elapsed \(Int(Date().timeIntervalSince(start))) s)")
            let t0 = Date()
            try Trainer(config: run.config, workDir: run.workDir, log: { [log] in log("  \(run.id): \($0)") }).run(resume: true)
            // From metrics.jsonl, so a run that had finished training before an interruption
            // (resumed at its end, nothing left to evaluate) still reports its final evaluation.
            let m = try SuiteRunner.read(run.workDir.appendingPathComponent("metrics.jsonl"))
            var students: [String: StudentResult] = [:]
            for (id, preset) in run.students {
                guard let e = m.final[id.rawValue], let map = e["bbox_mAP"] else {
                    throw TrainingError("\(run.id): network \(id.rawValue) was not evaluated", hint: "check eval.network of the run")
                }
                func ap(_ k: String) -> Double? { e[k].flatMap { $0 < 0 ? nil : $0 } }
                let share = m.labelShareB.map { id == .b ? $0 : 1 - $0 }
                students[preset] = StudentResult(network: id.rawValue, map: map, ap50: e["bbox_mAP_50"] ?? .nan, ap75: e["bbox_mAP_75"] ?? .nan,
                                                 apSmall: ap("bbox_mAP_s"), apMedium: ap("bbox_mAP_m"), apLarge: ap("bbox_mAP_l"),
                                                 curve: m.curves[id.rawValue] ?? [], labelShare: run.config.mode == .colad ? share : nil)
            }
            let r = RunResult(id: run.id, key: run.key, kind: run.kind, seed: run.seed, method: run.method, teacher: run.teacher,
                              iterations: run.config.train.iterations, wallSeconds: Date().timeIntervalSince(t0), students: students)
            try SuiteJSON.write(r, to: url)
            log("[\(i + 1)/\(plan.count)] \(run.id) done in \(Int(r.wallSeconds)) s: "
                + students.sorted { $0.key < $1.key }.map { String(format: "%@ mAP %.4f", $0.key, $0.value.map) }.joined(separator: ", "))
            results.append(r)
        }
        return results
    }

    /// What the suite reads from a run's metrics.jsonl.
    struct Metrics {
        /// Network → [(iterations completed, bbox_mAP)] at every evaluation.
        var curves: [String: [[Double]]] = [:]
        /// Network → the metrics of its last evaluation.
        var final: [String: [String: Double]] = [:]
        /// Mean over iteration lines of `t_ratio` (share of label sets assigned by B); nil
        /// without CoLAD decisions.
        var labelShareB: Double?
    }

    static func read(_ url: URL) throws -> Metrics {
        let text = try String(contentsOf: url, encoding: .utf8)
        var m = Metrics()
        var shares: [Double] = []
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let it = obj["iteration"] as? Int else { continue }
            if let net = obj["eval"] as? String, let map = obj["bbox_mAP"] as? Double {
                m.curves[net, default: []].append([Double(it), map])
                m.final[net] = obj.compactMapValues { $0 as? Double }
            } else if obj["eval"] == nil, let share = obj["t_ratio"] as? Double {
                shares.append(share)
            }
        }
        if !shares.isEmpty { m.labelShareB = shares.reduce(0, +) / Double(shares.count) }
        return m
    }
}
