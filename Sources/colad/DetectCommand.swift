import ArgumentParser
import Config
import Datasets
import Detection
import Engine
import Foundation
import Inference
import Models
import PAA
import Training

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run a trained network on PNG/JPEG images; writes OUT/<name>.png (boxes drawn) and OUT/detections.json.")

    @Option(help: "Training config (architecture, classes, image size, inference settings).") var config: String
    @Option(help: "Checkpoint directory or network-*.safetensors file.") var checkpoint: String
    @Option(help: "Which network (a or b).") var network = "a"
    @Option(help: "Output directory.") var out: String
    @Option(help: "Only draw detections with at least this score.") var drawThreshold: Float = 0.3
    @Argument(help: "Images (PNG or JPEG).") var images: [String]

    func run() throws {
        do {
            let cfg = try TrainingConfig.load(file: config)
            guard let id = NetworkID(rawValue: network), let netCfg = cfg.network(id) else {
                throw ValidationError("--network must name a network of the config (a or b), got \(network)")
            }
            let classNames = try openDataset(cfg.data, split: .val).classNames
            let (net, weights) = try loadNetwork(netCfg, checkpoint: checkpoint, id: id, config: cfg, numClasses: classNames.count)
            let layout = AnchorLayout(cfg)
            let pre = Preprocess(size: cfg.data.imageSize, augment: false, seed: 0)
            let post = PostProcessor(config: PostProcessConfig(cfg.eval))
            let outDir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
            var report: [[String: Any]] = []
            for path in images {
                let image = try ImageCodec.read(contentsOf: URL(fileURLWithPath: path))
                let sample = Sample(image: image, boxes: [], labels: [], imageId: 0)
                let batch = try pre.prepare([sample], indices: [0], epoch: 0)
                let outputs = net.forward(Tensor(shape: [1, batch.size, batch.size, 3], data: batch.images), training: false)
                let found = post.detect(outputs: outputs, image: 0, anchors: layout.anchors,
                                        valid: layout.validFlags(width: batch.validWidths[0], height: batch.validHeights[0]),
                                        imageSize: (Float(batch.validWidths[0]), Float(batch.validHeights[0])), scale: batch.scales[0])
                let shown = found.filter { $0.score >= drawThreshold }
                let drawn = Preview.drawDetections(on: image, boxes: shown.map(\.box), labels: shown.map(\.classIndex),
                                                   scores: shown.map(\.score), classNames: classNames, zoom: 3)
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                try ImageCodec.write(drawn, to: outDir.appendingPathComponent("\(name).png"), format: .png)
                report.append(["image": path, "detections": found.map { d -> [String: Any] in
                    ["class": classNames[d.classIndex], "class_index": d.classIndex, "score": Double(d.score),
                     "box_xyxy": [d.box.x1, d.box.y1, d.box.x2, d.box.y2].map(Double.init)]
                }])
                print("\(path): \(found.count) detections (\(shown.count) ≥ \(drawThreshold)) → \(outDir.appendingPathComponent("\(name).png").path)")
            }
            try writeAtomically(try JSONSerialization.data(withJSONObject: ["weights": weights.path, "results": report],
                                                           options: [.prettyPrinted, .sortedKeys]),
                                to: outDir.appendingPathComponent("detections.json"))
        } catch { fail(error) }
    }
}
