import Foundation
import Training
import XCTest

/// metrics.jsonl → curves → what `colad plot` draws and writes, on small hand-written runs.
final class RunCurvesTests: XCTestCase {
    /// Iteration lines (`iteration` = iterations completed, from 1) with network a (and b when `b` is given), one evaluation of a.
    func jsonl(a: [Double], b: [Double]? = nil, lr: Double = 0.01, evalAt: Int? = nil) -> String {
        var lines: [String] = []
        for (t, loss) in a.enumerated() {
            var line = #"{"iteration": \#(t + 1), "images": 8, "wall_time": 1796000000.5, "images_per_s": 80.1, "time": {"data": 0.01, "total": 0.1}, "#
            line += #""a": {"cls": 1, "box": 2, "iou": 3, "total": \#(loss), "num_pos": 12, "lr": \#(lr * Double(t + 1))}"#
            if let b { line += #", "b": {"cls": 1, "box": 2, "iou": 3, "total": \#(b[t]), "num_pos": 9, "lr": \#(lr)}, "teacher": "b", "t_ratio": 0.4"# }
            lines.append(line + "}")
            if t == evalAt { lines.append(#"{"iteration": \#(t + 1), "eval": "a", "wall_time": 1796000001, "bbox_mAP": 0.12, "bbox_mAP_50": 0.3}"#) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func run(_ name: String, _ text: String) throws -> RunCurves { try RunCurves.parse(text, name: name, file: "\(name)/metrics.jsonl") }

    func assertError(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any) {
        do {
            _ = try body()
            XCTFail("expected an error containing \(fragments)", file: file, line: line)
        } catch {
            for f in fragments { XCTAssertTrue("\(error)".contains(f), "error \"\(error)\" lacks \"\(f)\"", file: file, line: line) }
        }
    }

    func testSeriesAndStepsFromTheLines() throws {
        let r = try run("r", jsonl(a: [2.5, 2.25, 2.0], b: [3, 2.9, 2.8], evalAt: 1) + "\n\n")
        XCTAssertEqual(r.series["a/loss/total"], [CurvePoint(step: 1, value: 2.5), CurvePoint(step: 2, value: 2.25), CurvePoint(step: 3, value: 2.0)])
        XCTAssertEqual(r.series["a/lr"]?.map(\.value), [0.01, 0.02, 0.03])
        XCTAssertEqual(r.series["b/num_pos"]?.map(\.value), [9, 9, 9])
        XCTAssertEqual(r.series["a/eval/bbox_mAP"], [CurvePoint(step: 2, value: 0.12)], "step = iteration (iterations completed)")
        XCTAssertEqual(r.series["colad/b_label_share"]?.count, 3)
        XCTAssertNil(r.series["b/eval/bbox_mAP"])
        // A step written twice (a run resumed without truncation) keeps the later line.
        let twice = try run("r", jsonl(a: [2.5, 2.25]) + #"{"iteration": 2, "a": {"total": 9, "lr": 1}}"# + "\n")
        XCTAssertEqual(twice.series["a/loss/total"]?.map(\.value), [2.5, 9])
    }

    func testBadLineNamesFileAndLineNumber() {
        let text = jsonl(a: [1, 2]) + "{\"iteration\": 2, \"a\": {\"total\": 1\n" + jsonl(a: [3])
        assertError(["r/metrics.jsonl:3:", "not a JSON object", "hint:"]) { try self.run("r", text) }
        assertError(["r/metrics.jsonl:2:"]) { try self.run("r", "{}\n[1, 2]\n") }
    }

    func testMissingMetricsFileNamesTheRunDir() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runcurves-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        assertError([dir.path, "no metrics.jsonl", "hint:"]) { try RunCurves.load(runDirs: [dir.path]) }
        assertError(["/nonexistent/run", "no such run directory"]) { try RunCurves.load(runDirs: ["/nonexistent/run"]) }
        for name in ["seed0/run", "seed1/run"] {
            let d = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try jsonl(a: [1]).write(to: d.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        }
        let loaded = try RunCurves.load(runDirs: [dir.appendingPathComponent("seed0/run").path, dir.appendingPathComponent("seed1/run").path])
        XCTAssertEqual(loaded.map(\.name), [dir.appendingPathComponent("seed0/run").path, dir.appendingPathComponent("seed1/run").path],
                       "two runs called run keep their paths apart")
    }

    func testShorthandKeysExpandToEveryNetwork() throws {
        XCTAssertEqual(CurvePlot.tags(for: "lr"), ["a/lr", "b/lr"])
        XCTAssertEqual(CurvePlot.tags(for: "eval/bbox_mAP"), ["a/eval/bbox_mAP", "b/eval/bbox_mAP"])
        XCTAssertEqual(CurvePlot.tags(for: "b/loss/total"), ["b/loss/total"])
        XCTAssertEqual(CurvePlot.tags(for: "job/images_per_s"), ["job/images_per_s"])
        let solo = try run("solo", jsonl(a: [2, 1], evalAt: 1)), pair = try run("pair", jsonl(a: [2, 1], b: [3, 2]))
        // Default keys: loss, lr, mAP; the mAP panel has only solo's network a.
        let panels = try CurvePlot.panels([solo, pair], keys: nil, average: false)
        XCTAssertEqual(panels.map(\.key), ["loss/total", "lr", "eval/bbox_mAP"])
        XCTAssertEqual(panels.map(\.yLabel), ["loss", "learning rate", "mAP"])
        XCTAssertEqual(panels[0].series.map(\.label), ["solo a", "pair a", "pair b"])
        XCTAssertEqual(panels[0].series.map(\.tag), ["a/loss/total", "a/loss/total", "b/loss/total"])
        XCTAssertEqual(panels[2].series.map(\.label), ["solo"], "one network: the run's name")
        // Default keys without data are left out; explicit ones are errors listing what exists.
        XCTAssertEqual(try CurvePlot.panels([pair], keys: nil, average: false).map(\.key), ["loss/total", "lr"])
        XCTAssertEqual(try CurvePlot.panels([pair], keys: ["a/lr"], average: false)[0].series.map(\.label), ["pair"])
        assertError(["eval/bbox_mAP", "pair", "a/loss/total", "colad/b_label_share"]) {
            try CurvePlot.panels([pair], keys: ["eval/bbox_mAP"], average: false)
        }
        assertError(["job/nope", "job/images_per_s"]) { try CurvePlot.panels([solo], keys: ["job/nope"], average: false) }
        // CSV: the plotted points, one row each.
        let csv = CurvePlot.csv(try CurvePlot.panels([solo, pair], keys: ["loss/total"], average: false), average: false)
        XCTAssertEqual(csv, "run,tag,step,value\nsolo,a/loss/total,1,2.0\nsolo,a/loss/total,2,1.0\npair,a/loss/total,1,2.0\n"
                          + "pair,a/loss/total,2,1.0\npair,b/loss/total,1,3.0\npair,b/loss/total,2,2.0\n")
    }

    /// Two seeds: mean and sample std by hand, at the steps both runs have.
    func testAverageOfTwoRuns() throws {
        let r1 = try run("seed0", jsonl(a: [2.0, 1.5, 1.0], b: [3.0, 2.0, 1.0]))
        let r2 = try run("seed1", jsonl(a: [3.0, 2.5], b: [1.0, 1.0]))
        let panels = try CurvePlot.panels([r1, r2], keys: ["loss/total"], average: true)
        XCTAssertEqual(panels[0].series.map(\.label), ["mean of 2 runs a", "mean of 2 runs b"])
        let a = panels[0].series[0], b = panels[0].series[1]
        XCTAssertEqual(a.points, [CurvePoint(step: 1, value: 2.5), CurvePoint(step: 2, value: 2.0)], "step 3 is not in seed1")
        let half = 0.5.squareRoot()   // sample std of {x, y} = |x − y| / √2
        XCTAssertEqual(a.std!.count, 2)
        XCTAssertEqual(a.std![0], 1 * half, accuracy: 1e-12); XCTAssertEqual(a.std![1], 1 * half, accuracy: 1e-12)
        XCTAssertEqual(b.points.map(\.value), [2.0, 1.5])
        XCTAssertEqual(b.std![0], 2 * half, accuracy: 1e-12); XCTAssertEqual(b.std![1], 1 * half, accuracy: 1e-12)
        let csv = CurvePlot.csv(panels, average: true).split(separator: "\n")
        XCTAssertEqual(csv.first, "run,tag,step,value,std")
        XCTAssertEqual(csv[1], "mean,a/loss/total,1,2.5,\(half)")
        XCTAssertEqual(csv.count, 1 + 4)
        // The chart draws the std as a band around the mean.
        let series = CurvePlot.chart(panels).panels[0].series[1]
        XCTAssertEqual(series.band?.count, 2)
        XCTAssertEqual(series.band![0].low, 2 - 2 * half, accuracy: 1e-12); XCTAssertEqual(series.band![0].high, 2 + 2 * half, accuracy: 1e-12)
        // One network only in the key: no network in the label; a run without the tag is an error.
        XCTAssertEqual(try CurvePlot.panels([r1, r2], keys: ["b/lr"], average: true)[0].series.map(\.label), ["mean of 2 runs"])
        let solo = try run("solo", jsonl(a: [1, 2]))
        assertError(["b/loss/total", "solo", "--average"]) { try CurvePlot.panels([r1, solo], keys: ["loss/total"], average: true) }
    }
}

/// A live run's file and pycocotools' −1.
final class RunCurvesLiveFileTests: XCTestCase {
    func testAnUnterminatedLastLineIsSkippedAndMinusOneIsNoValue() throws {
        let text = """
        {"iteration": 0, "a": {"total": 2.5}}
        {"iteration": 0, "eval": "a", "bbox_mAP": 0.25, "bbox_mAP_l": -1.0}
        {"iteration": 1, "a": {"tot
        """
        let curves = try RunCurves.parse(text, name: "live", file: "metrics.jsonl")
        XCTAssertEqual(curves.series["a/loss/total"]?.map(\.value), [2.5])
        XCTAssertEqual(curves.series["a/eval/bbox_mAP"]?.map(\.value), [0.25])
        XCTAssertNil(curves.series["a/eval/bbox_mAP_l"])
        // The same cut line in the middle of the file is an error naming it.
        XCTAssertThrowsError(try RunCurves.parse(text + "\n{\"iteration\": 2}\n", name: "x", file: "m.jsonl")) { e in
            XCTAssertTrue("\(e)".contains("m.jsonl:3:"), "\(e)")
        }
    }
}
