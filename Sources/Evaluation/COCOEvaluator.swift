import Foundation

/// COCO bbox evaluation with pycocotools' `COCOeval(gt, dt, 'bbox')` semantics:
/// `evaluate()`, `accumulate()` and `summarize()` with default parameters, all ground-truth
/// images and all categories.
///
///     let evaluator = try COCOEvaluator(groundTruth: GroundTruth(contentsOf: gtURL))
///     let metrics = try evaluator.evaluate(resultsFile: detsURL)
///     print(metrics.summaryTable)
public struct COCOEvaluator: Sendable {
    public let groundTruth: GroundTruth

    /// Image ids ascending (pycocotools' `params.imgIds`).
    let imageIds: [Int]
    let imageIndex: [Int: Int]
    /// Categories by ascending id (pycocotools' `params.catIds`).
    let categories: [GroundTruth.Category]
    let categoryIndex: [Int: Int]
    /// Ground truth per cell `imageIndex * K + categoryIndex`, in file order.
    let groundTruthCells: [Int: [GroundTruth.Annotation]]

    /// Validates the ground truth (see `GroundTruth.validate`) and indexes it.
    /// `file` names the ground truth's source in errors.
    public init(groundTruth: GroundTruth, file: String? = nil) throws {
        try groundTruth.validate(file: file)
        self.groundTruth = groundTruth
        imageIds = groundTruth.images.map(\.id).sorted()
        imageIndex = Dictionary(uniqueKeysWithValues: imageIds.enumerated().map { ($1, $0) })
        categories = groundTruth.categories.sorted { $0.id < $1.id }
        categoryIndex = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1.id, $0) })
        var cells: [Int: [GroundTruth.Annotation]] = [:]
        let K = categories.count
        for ann in groundTruth.annotations {
            // validate() guarantees both ids are known.
            guard let i = imageIndex[ann.imageId], let k = categoryIndex[ann.categoryId] else { continue }
            cells[i * K + k, default: []].append(ann)
        }
        groundTruthCells = cells
    }

    /// Reads a COCO results file and evaluates it; errors name the file.
    public func evaluate(resultsFile url: URL) throws -> COCOMetrics {
        try evaluate(COCOResultsFile.read(from: url), file: url.path)
    }

    /// Evaluates detections against the ground truth.
    ///
    /// Throws `EvaluationInputError` (naming `file` and the detection's index and ids) for a
    /// detection on an image that is not in the ground truth (pycocotools asserts "Results do
    /// not correspond to current coco set"), with a category id that is not a ground-truth
    /// category (pycocotools would silently drop it; here it is almost always a label-to-id
    /// mapping bug), with a non-finite score or box, or with a negative box size.
    public func evaluate(_ detections: [Detection], file: String? = nil) throws -> COCOMetrics {
        let K = categories.count
        var detectionCells: [Int: [Detection]] = [:]
        for (n, d) in detections.enumerated() {
            try COCOResultsFile.check(d, index: n, file: file)
            let location = Detection.location(n, imageId: d.imageId, categoryId: d.categoryId)
            guard let i = imageIndex[d.imageId] else {
                throw EvaluationInputError(
                    file: file, location: location, field: "image_id", value: String(d.imageId),
                    reason: "not an image id of the ground truth",
                    hint: "results must refer to images of the annotation file they are evaluated against "
                        + "(it has \(imageIds.count) images\(Self.idRange(imageIds))); were they made on another split?")
            }
            guard let k = categoryIndex[d.categoryId] else {
                let ids = categories.prefix(12).map { String($0.id) }.joined(separator: ", ")
                throw EvaluationInputError(
                    file: file, location: location, field: "category_id", value: String(d.categoryId),
                    reason: "not a category id of the ground truth",
                    hint: "use the annotation file's category ids (\(ids)\(K > 12 ? ", ..." : "")), "
                        + "not contiguous label indices")
            }
            detectionCells[i * K + k, default: []].append(d)
        }

        // Evaluate every (category, image) cell with a GT or a detection, images ascending.
        let keys = Set(groundTruthCells.keys).union(detectionCells.keys)
            .sorted { ($0 % K, $0 / K) < ($1 % K, $1 / K) }
        var cells = [[ImageEvaluation]](repeating: [], count: K)
        let maxDet = COCOParameters.maxDetections[COCOParameters.maxDetections.count - 1]
        for key in keys {
            cells[key % K].append(ImageEvaluation(gts: groundTruthCells[key] ?? [],
                                                  dts: detectionCells[key] ?? [], maxDet: maxDet))
        }

        let acc = Accumulation(cells: cells)
        return COCOMetrics(
            stats: Summary.items.map { Summary.value($0, acc) },
            perCategory: categories.enumerated().map {
                COCOMetrics.CategoryAP(id: $1.id, name: $1.name, ap: Summary.categoryAP($0, acc))
            })
    }

    private static func idRange(_ sortedIds: [Int]) -> String {
        guard let first = sortedIds.first, let last = sortedIds.last else { return "" }
        return ", ids \(first)...\(last)"
    }
}
