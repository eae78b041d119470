import ArgumentParser
import Evaluation
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "COCO bbox evaluation (pycocotools semantics) of a results file against an annotation file.",
        discussion: """
        Prints pycocotools' 12 summary lines and per-class AP, or with --json one object using
        mmdetection's metric names (bbox_mAP, bbox_mAP_50, …, bbox_AR@100, per-class AP).
        """)

    @Option(help: "COCO annotation file (instances_*.json).") var annotations: String
    @Option(help: "COCO results file: [{image_id, category_id, bbox: [x,y,w,h], score}, …].") var detections: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        do {
            let gt = try GroundTruth(contentsOf: URL(fileURLWithPath: annotations))
            let metrics = try COCOEvaluator(groundTruth: gt, file: annotations).evaluate(resultsFile: URL(fileURLWithPath: detections))
            if json { printJSON(metrics.mmdetDictionary()); return }
            print(metrics.summaryTable)
            print("per-class AP@[.5:.95]:")
            for c in metrics.perCategory {
                print(String(format: "  %-20@ %@", c.name, c.ap.map { String(format: "%.3f", $0) } ?? "  n/a"))
            }
        } catch { fail(error) }
    }
}
