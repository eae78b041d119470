import ArgumentParser
import Config
import Datasets
import Engine
import Evaluation
import Foundation
import PAA
import Training

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "COCO bbox evaluation (pycocotools semantics): of a model on a config's val split, or of a results file.",
        discussion: """
        Two forms:
          colad eval --config C --checkpoint DIR|FILE [--network a|b] [--json]
          colad eval --annotations instances.json --detections results.json [--json]

        Prints pycocotools' 12 summary lines and per-class AP, or with --json one object using \
        mmdetection's metric names (bbox_mAP, bbox_mAP_50, …, bbox_AR@100, per-class AP). \
        With a model, the JSON is also written to eval-<network>.json beside the checkpoint.
        """)

    @Option(help: "Training config whose val split and architecture to use.", completion: .configFile) var config: String?
    @Option(help: "Run's work dir, checkpoint directory (…/iter_NNNNNNN) or network-*.safetensors file.", completion: .file()) var checkpoint: String?
    @Option(help: "Which network of the checkpoint to evaluate (a or b).") var network = "a"
    @Option(name: .customLong("set"), help: "Config override (repeatable).", completion: .configKeys) var overrides: [String] = []
    @Option(help: "Write the detections as a COCO results file.") var dumpDetections: String?
    @Option(help: "COCO annotation file (instances_*.json).") var annotations: String?
    @Option(help: "COCO results file: [{image_id, category_id, bbox: [x,y,w,h], score}, …].") var detections: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        let model = config != nil || checkpoint != nil, files = annotations != nil || detections != nil
        guard model != files, model ? (config != nil && checkpoint != nil) : (annotations != nil && detections != nil) else {
            throw ValidationError("give either --config and --checkpoint, or --annotations and --detections")
        }
        guard ["a", "b"].contains(network) else { throw ValidationError("--network must be a or b, got \(network)") }
    }

    func run() throws {
        do {
            let metrics: COCOMetrics
            if let config, let checkpoint {
                let cfg = try TrainingConfig.load(file: config, overrides: overrides)
                let id = NetworkID(rawValue: network)!
                guard let netCfg = cfg.network(id) else { throw ValidationError("the config has no network_\(network)") }
                let (net, weights) = try loadNetwork(netCfg, checkpoint: checkpoint, id: id, config: cfg)
                let evaluator = try Evaluator(dataset: openDataset(cfg.data, split: .val), config: cfg, layouts: AnchorLayoutCache(cfg))
                let dets = try evaluator.detect(net)
                metrics = try COCOEvaluator(groundTruth: evaluator.groundTruth).evaluate(dets)
                if let dumpDetections { try COCOResultsFile.write(dets, to: URL(fileURLWithPath: dumpDetections)) }
                let out = weights.deletingLastPathComponent().appendingPathComponent("eval-\(network).json")
                try writeAtomically(try JSONSerialization.data(withJSONObject: metrics.mmdetDictionary(), options: [.sortedKeys, .prettyPrinted]), to: out)
                if !json { print("network \(network) from \(weights.path) on \(evaluator.dataset.count) val images (JSON: \(out.path))") }
            } else {
                let gt = try GroundTruth(contentsOf: URL(fileURLWithPath: annotations!))
                metrics = try COCOEvaluator(groundTruth: gt, file: annotations!).evaluate(resultsFile: URL(fileURLWithPath: detections!))
            }
            if json { printJSON(metrics.mmdetDictionary()); return }
            print(metrics.summaryTable)
            print("per-class AP@[.5:.95]:")
            for c in metrics.perCategory {
                print(String(format: "  %-20@ %@", c.name, c.ap.map { String(format: "%.3f", $0) } ?? "  n/a"))
            }
        } catch { fail(error) }
    }
}
