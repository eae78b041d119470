import Foundation

extension SyntheticDataset {
    /// Writes the built-in dataset in COCO format:
    /// `dir/train/000000.png…`, `dir/val/000000.png…`, `dir/annotations/instances_train.json`
    /// and `instances_val.json` (category ids 1…6 in class order; image id = index + 1).
    /// `progress(done, total)` counts images over both splits. Prints nothing.
    @discardableResult
    public static func writeCOCO(to dir: URL, trainCount: Int, valCount: Int, seed: UInt64,
                                 config: SyntheticConfig = SyntheticConfig(),
                                 progress: ((Int, Int) -> Void)? = nil) throws -> (train: COCOWriteStats, val: COCOWriteStats) {
        var cfg = config
        cfg.seed = seed
        cfg.trainCount = trainCount
        cfg.valCount = valCount
        let train = try SyntheticDataset(config: cfg, split: .train)
        let val = try SyntheticDataset(config: cfg, split: .val)
        let total = trainCount + valCount
        let annotations = dir.appendingPathComponent("annotations")
        let trainStats = try COCOWriter.write(
            train, imageDirectory: dir.appendingPathComponent("train"),
            annotationFile: annotations.appendingPathComponent("instances_train.json"),
            description: "colad synthetic shapes, train split, seed \(seed)",
            progress: progress.map { report in { done, _ in report(done, total) } })
        let valStats = try COCOWriter.write(
            val, imageDirectory: dir.appendingPathComponent("val"),
            annotationFile: annotations.appendingPathComponent("instances_val.json"),
            description: "colad synthetic shapes, val split, seed \(seed)",
            progress: progress.map { report in { done, _ in report(trainCount + done, total) } })
        return (trainStats, valStats)
    }
}
