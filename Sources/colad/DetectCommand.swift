// `colad detect`: a trained network on PNG/JPEG images. Every detection of the post-processor
// (the config's eval settings) goes to OUT/detections.json; the pictures show a readable
// subset (DrawSelection: score threshold, optional class-agnostic NMS, top k).
import ArgumentParser
import Config
import Datasets
import Detection
import Engine
import Evaluation
import Foundation
import Inference
import Models
import PAA
import Training

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run a trained network on PNG/JPEG images; writes OUT/<name>.png (boxes drawn) and OUT/detections.json.",
        discussion: """
        detections.json holds every detection the config's eval settings keep (score_threshold, \
        max_per_image), whatever is drawn. --format json (the default) writes {weights, results: \
        [{image, detections: [{class, class_index, score, box_xyxy}]}]}; --format coco writes a COCO \
        results file, [{image_id, category_id, bbox: [x, y, w, h], score}], which `colad eval \
        --annotations A --detections OUT/detections.json` reads. Its image_id is the id of the image's \
        file name in --annotations when given, else the image's position among the arguments (1, 2, …); \
        category_id is the dataset's (the built-in dataset's are class index + 1).

        The pictures show the boxes scoring at least --draw-threshold, at most --max-boxes per \
        image, highest score on top; --class-agnostic-nms IOU also drops a box that a higher-scored \
        box of any class overlaps by more than IOU. A label that would cover an earlier one moves \
        below or inside its box, or is left out.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, coco }

    @Option(help: "Training config (architecture, classes, image size, inference settings).", completion: .configFile) var config: String
    @Option(help: "Run's work dir, checkpoint directory or network-*.safetensors file.", completion: .file()) var checkpoint: String
    @Option(help: "Which network (a or b).") var network = "a"
    @Option(help: "Output directory.", completion: .directory) var out: String
    @Option(help: "Draw detections with at least this score.") var drawThreshold: Float = 0.5
    @Option(help: "Draw at most this many boxes per image (0: no limit).") var maxBoxes = 20
    @Option(name: .customLong("class-agnostic-nms"), help: ArgumentHelp("Drawing only: drop a box overlapped with IoU > IOU by a higher-scored box of any class.", valueName: "IOU"))
    var agnosticIoU: Float?
    @Option(help: "detections.json format: json or coco (a COCO results file).") var format: Format = .json
    @Option(help: "COCO annotation file whose image ids --format coco uses (matched by file name).", completion: .file(extensions: ["json"]))
    var annotations: String?
    @Argument(help: "Images (PNG or JPEG).", completion: .file(extensions: ["png", "jpg", "jpeg"])) var images: [String]

    func validate() throws {
        guard (0...1).contains(drawThreshold) else { throw ValidationError("--draw-threshold must be in [0, 1], got \(drawThreshold)") }
        guard maxBoxes >= 0 else { throw ValidationError("--max-boxes must be ≥ 0, got \(maxBoxes)") }
        if let agnosticIoU, !(agnosticIoU > 0 && agnosticIoU <= 1) {
            throw ValidationError("--class-agnostic-nms must be an IoU in (0, 1], got \(agnosticIoU)")
        }
        if annotations != nil && format != .coco { throw ValidationError("--annotations is used with --format coco only") }
    }

    func run() throws {
        do {
            let cfg = try TrainingConfig.load(file: config)
            guard let id = NetworkID(rawValue: network), let netCfg = cfg.network(id) else {
                throw ValidationError("--network must name a network of the config (a or b), got \(network)")
            }
            let dataset = try openDataset(cfg.data, split: .val)
            let classNames = dataset.classNames
            let (net, weights) = try loadNetwork(netCfg, checkpoint: checkpoint, id: id, config: cfg, numClasses: classNames.count)
            let imageIds = try annotations.map { try imageIdsByFileName(URL(fileURLWithPath: $0)) }
            let layouts = AnchorLayoutCache(cfg)
            let pre = Preprocess(cfg.data, training: false, seed: 0)
            let post = PostProcessor(config: PostProcessConfig(cfg.eval))
            let selection = DrawSelection(threshold: drawThreshold, maxBoxes: maxBoxes, agnosticIoU: agnosticIoU)
            let outDir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
            var report: [[String: Any]] = []
            var results: [Detection] = []
            for (position, path) in images.enumerated() {
                let image = try ImageCodec.read(contentsOf: URL(fileURLWithPath: path))
                let sample = Sample(image: image, boxes: [], labels: [], imageId: 0)
                let batch = try pre.prepare([sample], indices: [0], epoch: 0)
                let layout = layouts.layout(height: batch.height, width: batch.width)
                let outputs = net.forward(Tensor(shape: batch.inputShape, data: batch.images), training: false)
                let found = post.detect(outputs: outputs, image: 0, anchors: layout.anchors,
                                        valid: layout.validFlags(width: batch.validWidths[0], height: batch.validHeights[0]),
                                        imageSize: (Float(batch.validWidths[0]), Float(batch.validHeights[0])), scale: batch.scales[0])
                let shown = selection.select(found)
                let drawn = Preview.drawDetections(on: image, boxes: shown.map(\.box), labels: shown.map(\.classIndex),
                                                   scores: shown.map(\.score), classNames: classNames, zoom: 3, thickness: 2)
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                let picture = outDir.appendingPathComponent("\(name).png")
                try ImageCodec.write(drawn, to: picture, format: .png)
                var imageId = position + 1
                if let imageIds {
                    let file = URL(fileURLWithPath: path).lastPathComponent
                    guard let known = imageIds[file] else {
                        throw ValidationError("\(path): no image with file name \(file) in \(annotations!)")
                    }
                    imageId = known
                }
                results += found.map { d in
                    Detection(imageId: imageId, categoryId: categoryId(dataset, classIndex: d.classIndex),
                              bbox: COCOBox(x: Double(d.box.x1), y: Double(d.box.y1),
                                            width: Double(d.box.x2 - d.box.x1), height: Double(d.box.y2 - d.box.y1)),
                              score: Double(d.score))
                }
                report.append(["image": path, "detections": found.map { d -> [String: Any] in
                    ["class": classNames[d.classIndex], "class_index": d.classIndex, "score": Double(d.score),
                     "box_xyxy": [d.box.x1, d.box.y1, d.box.x2, d.box.y2].map(Double.init)]
                }])
                let idNote = format == .coco ? " (image_id \(imageId))" : ""
                print("\(path)\(idNote): \(found.count) detections, \(shown.count) drawn → \(picture.path)")
            }
            let file = outDir.appendingPathComponent("detections.json")
            switch format {
            case .json:
                try writeAtomically(try JSONSerialization.data(withJSONObject: ["weights": weights.path, "results": report],
                                                               options: [.prettyPrinted, .sortedKeys]), to: file)
            case .coco:
                try COCOResultsFile.write(results, to: file)
            }
            print("\(format == .coco ? "COCO results" : "detections") of \(images.count) image(s) from \(weights.path) → \(file.path)")
        } catch { fail(error) }
    }
}

/// file_name → id of a COCO annotation file's images.
private func imageIdsByFileName(_ url: URL) throws -> [String: Int] {
    let gt = try GroundTruth(contentsOf: url)
    return Dictionary(gt.images.map { (URL(fileURLWithPath: $0.fileName).lastPathComponent, $0.id) }, uniquingKeysWith: { a, _ in a })
}
