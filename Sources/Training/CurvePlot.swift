// What `colad plot` draws from runs' curves: one panel per key, one series per (run, network) or,
// averaging runs as seeds of one experiment, the mean ± std over runs per network at the steps
// every run has; the exact points as CSV; the panels as a LineChart.
//
// Keys are ScalarTags tags (`a/loss/total`, `job/images_per_s`). A key without a tag root
// (`loss/total`, `lr`, `eval/bbox_mAP`) is shorthand for that tag of each network: `lr` → `a/lr`, `b/lr`.
import Datasets
import Foundation

public struct CurveSeries: Equatable, Sendable {
    public var label: String
    /// The run's name, or "mean" for an average over runs.
    public var run: String
    public var tag: String
    public var points: [CurvePoint]
    /// Per point, the sample standard deviation (n − 1) over the runs averaged; nil for one run's curve.
    public var std: [Double]?
}

public struct CurvePanel: Equatable, Sendable {
    public var key: String
    public var yLabel: String
    public var series: [CurveSeries]
}

public enum CurvePlot {
    public static let defaultKeys = ["loss/total", "lr", "eval/bbox_mAP"]
    static let tagRoots = ScalarTags.networkNames + ["job", "colad"]

    /// The tags a key stands for: the key itself when it starts with a tag root, else that tag of each network.
    public static func tags(for key: String) -> [String] {
        let root = key.split(separator: "/").first.map(String.init) ?? ""
        return tagRoots.contains(root) ? [key] : ScalarTags.networkNames.map { "\($0)/\(key)" }
    }

    /// One panel per key (`nil`: the default keys, skipping those no run has). An explicit key
    /// that matches no data is an error listing the tags the runs do have.
    public static func panels(_ runs: [RunCurves], keys: [String]?, average: Bool) throws -> [CurvePanel] {
        let present = Set(runs.flatMap(\.series.keys))
        func existing() -> String { present.sorted().joined(separator: ", ") }
        var panels: [CurvePanel] = []
        for key in keys ?? defaultKeys {
            let tags = tags(for: key).filter(present.contains)
            guard !tags.isEmpty else {
                if keys == nil { continue }
                throw TrainingError("plot key \"\(key)\" (tags \(CurvePlot.tags(for: key).joined(separator: ", "))) matches no data in \(runs.map(\.name).joined(separator: ", "))",
                                    hint: present.isEmpty ? "the runs have no iteration lines yet" : "tags present: \(existing())")
            }
            let series = try tags.flatMap { tag in
                average ? [try mean(runs, tag: tag, networkInLabel: tags.count > 1)]
                        : runs.compactMap { run in
                            run.series[tag].map { CurveSeries(label: tags.count > 1 ? "\(run.name) \(network(tag))" : run.name,
                                                              run: run.name, tag: tag, points: $0, std: nil) }
                        }
            }
            panels.append(CurvePanel(key: key, yLabel: axisName(key), series: series))
        }
        guard !panels.isEmpty else {
            throw TrainingError("none of the default plot keys (\(defaultKeys.joined(separator: ", "))) has data in \(runs.map(\.name).joined(separator: ", "))",
                                hint: present.isEmpty ? "the runs have no iteration lines yet" : "choose --keys among: \(existing())")
        }
        return panels
    }

    /// The mean and sample std over all runs at each step that every run has.
    static func mean(_ runs: [RunCurves], tag: String, networkInLabel: Bool) throws -> CurveSeries {
        let missing = runs.filter { $0.series[tag] == nil }.map(\.name)
        guard missing.isEmpty else {
            throw TrainingError("--average: tag \(tag) is missing from \(missing.joined(separator: ", "))",
                                hint: "average runs of one experiment (seeds of the same config), or plot them without --average")
        }
        let values = runs.map { Dictionary($0.series[tag]!.map { ($0.step, $0.value) }, uniquingKeysWith: { _, b in b }) }
        let steps = values.dropFirst().reduce(Set(values[0].keys)) { $0.intersection($1.keys) }.sorted()
        guard !steps.isEmpty else {
            throw TrainingError("--average: the runs \(runs.map(\.name).joined(separator: ", ")) share no step of \(tag)",
                                hint: "the mean is taken at the steps every run has: use runs with the same logging and evaluation schedule")
        }
        var points: [CurvePoint] = [], std: [Double] = []
        for step in steps {
            let v = values.map { $0[step]! }, m = v.reduce(0, +) / Double(v.count)
            points.append(CurvePoint(step: step, value: m))
            std.append(v.count < 2 ? 0 : (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot())
        }
        let label = "mean of \(runs.count) run\(runs.count == 1 ? "" : "s")" + (networkInLabel ? " \(network(tag))" : "")
        return CurveSeries(label: label, run: "mean", tag: tag, points: points, std: std)
    }

    static func network(_ tag: String) -> String { String(tag.split(separator: "/").first ?? "") }

    /// The y-axis label of a key: `lr` → learning rate, `eval/bbox_mAP` → mAP, `loss/cls` → cls loss.
    static func axisName(_ key: String) -> String {
        let parts = key.split(separator: "/").map(String.init), last = parts.last ?? key
        if last == "lr" { return "learning rate" }
        if last == "bbox_mAP" { return "mAP" }
        if parts.dropLast().last == "loss" { return last == "total" ? "loss" : "\(last) loss" }
        return last
    }

    /// The plotted points: `run,tag,step,value` (averaged: `run,tag,step,value,std`, run = mean).
    public static func csv(_ panels: [CurvePanel], average: Bool) -> String {
        var out = average ? "run,tag,step,value,std\n" : "run,tag,step,value\n"
        for series in panels.flatMap(\.series) {
            for (i, p) in series.points.enumerated() {
                out += "\(csvField(series.run)),\(csvField(series.tag)),\(p.step),\(p.value)"
                out += average ? ",\(series.std?[i] ?? 0)\n" : "\n"
            }
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"\(s.replacingOccurrences(of: "\"", with: "\"\""))\"" : s
    }

    /// The panels side by side over iterations; an average's std as a band around its mean.
    public static func chart(_ panels: [CurvePanel]) -> LineChart {
        LineChart(panels: panels.map { panel in
            LineChart.Panel(title: panel.key, series: panel.series.map { s in
                let band = s.std.flatMap { std in
                    std.contains { $0 > 0 } ? zip(s.points, std).map { (x: Double($0.step), low: $0.value - $1, high: $0.value + $1) } : nil
                }
                return LineChart.Series(label: s.label, points: s.points.map { (x: Double($0.step), y: $0.value) }, band: band)
            }, yLabel: panel.yLabel)
        }, xLabel: "iteration", yLabel: "")
    }
}
