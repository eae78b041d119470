// `colad plot`: training curves of one or more runs (their metrics.jsonl) as a PNG, with the
// plotted points beside it as CSV. Reading and averaging live in Training (RunCurves, CurvePlot).
import ArgumentParser
import Datasets
import Engine
import Foundation
import Training

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot training curves from runs' metrics.jsonl to a PNG (and the points to a CSV beside it).",
        discussion: """
          colad plot RUN_DIR... [--keys K1,K2,...] [--average] --out F.png
        One panel per key, one series per (run, network). Keys are scalar tags
        (a/loss/total, b/lr, a/eval/bbox_mAP, job/images_per_s, colad/b_label_share,
        …); a key without a network (loss/total, lr, eval/bbox_mAP) means that tag
        of each network. Default: loss/total,lr,eval/bbox_mAP. With --average the
        runs are seeds of one experiment: per network, the mean over the runs at
        the steps they all have, with a ± std band. F.csv beside F.png holds the
        plotted points: run,tag,step,value (and std with --average).
        """)

    @Argument(help: "Training work dirs (each holds metrics.jsonl).") var runDirs: [String]
    @Option(help: "Comma-separated scalar tags or network-free shorthands (default: loss/total,lr,eval/bbox_mAP).") var keys: String?
    @Flag(help: "Treat the runs as seeds of one experiment: plot their mean ± std per network.") var average = false
    @Option(help: "Output PNG file; the CSV is written beside it with the same base name.") var out: String

    func validate() throws {
        guard !runDirs.isEmpty else { throw ValidationError("give at least one run directory") }
        guard out.lowercased().hasSuffix(".png") else { throw ValidationError("--out must name a .png file, got \(out)") }
        if let keys, keys.split(separator: ",").allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--keys is empty; give tags such as loss/total,lr")
        }
    }

    func run() throws {
        do {
            let keyList = keys.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            let runs = try RunCurves.load(runDirs: runDirs)
            let panels = try CurvePlot.panels(runs, keys: keyList, average: average)
            let png = URL(fileURLWithPath: out), csv = png.deletingPathExtension().appendingPathExtension("csv")
            try FileManager.default.createDirectory(at: png.deletingLastPathComponent(), withIntermediateDirectories: true)
            try writeAtomically(try ImageCodec.encodePNG(CurvePlot.chart(panels).render()), to: png)
            try writeAtomically(Data(CurvePlot.csv(panels, average: average).utf8), to: csv)
            print("plot: \(png.path) (\(panels.map(\.key).joined(separator: ", "))), points: \(csv.path)")
        } catch { fail(error) }
    }
}
