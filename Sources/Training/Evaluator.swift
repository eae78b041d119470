// Validation: inference over a whole split (no augmentation), SPEC §6 post-processing, boxes
// mapped back to original image coordinates, COCO evaluation with pycocotools semantics.
import Config
import Datasets
import Detection
import Engine
import Evaluation
import Foundation
import Inference
import Models
import PAA

public final class Evaluator {
    public let dataset: any DetectionDataset
    public let groundTruth: GroundTruth
    let preprocess: Preprocess
    let layouts: AnchorLayoutCache
    let post: PostProcessor
    public let batchSize: Int

    public init(dataset: any DetectionDataset, config: TrainingConfig, layouts: AnchorLayoutCache, batchSize: Int = 16) throws {
        self.dataset = dataset
        groundTruth = try Training.groundTruth(of: dataset)
        preprocess = Preprocess(config.data, training: false, seed: 0)
        self.layouts = layouts
        post = PostProcessor(config: PostProcessConfig(config.eval))
        self.batchSize = batchSize
    }

    /// Detections of `network` on every image of the split (COCO results, original coordinates).
    public func detect(_ network: DetectorNetwork, progress: ((Int, Int) -> Void)? = nil) throws -> [Detection] {
        var out: [Detection] = []
        var start = 0
        while start < dataset.count {
            let indices = Array(start..<min(dataset.count, start + batchSize))
            let batch = try preprocess.prepare(try indices.map { try dataset.load($0) }, indices: indices, epoch: 0)
            let layout = layouts.layout(height: batch.height, width: batch.width)
            let outputs = network.forward(Tensor(shape: batch.inputShape, data: batch.images), training: false)
            let valid = (0..<batch.count).map { layout.validFlags(width: batch.validWidths[$0], height: batch.validHeights[$0]) }
            let sizes = (0..<batch.count).map { (batch.validWidths[$0], batch.validHeights[$0]) }
            let found = post.detectBatch(outputs: outputs, anchors: layout.anchors, valid: valid,
                                         imageSizes: sizes.map { (Float($0.0), Float($0.1)) }, scales: batch.scales)
            for (b, boxes) in found.enumerated() {
                for d in boxes {
                    out.append(Detection(imageId: batch.imageIds[b], categoryId: categoryId(dataset, classIndex: d.classIndex),
                                         bbox: COCOBox(x: Double(d.box.x1), y: Double(d.box.y1),
                                                       width: Double(d.box.x2 - d.box.x1), height: Double(d.box.y2 - d.box.y1)),
                                         score: Double(d.score)))
                }
            }
            start += batchSize
            progress?(min(start, dataset.count), dataset.count)
        }
        return out
    }

    public func evaluate(_ network: DetectorNetwork) throws -> (COCOMetrics, [Detection]) {
        let dets = try detect(network)
        return (try COCOEvaluator(groundTruth: groundTruth).evaluate(dets), dets)
    }
}
