import Detection
import Engine
import Models
import PAA
import TestSupport
import XCTest

/// Agreement with the independent numpy / scikit-learn reference
/// (Tests/Fixtures/scripts/make_paa_fixtures.py → Tests/Fixtures/paa/assign.json): 12 scenes on
/// the real 128×128 layout. Discrete results (pre-assignment, candidates, T_g, positives,
/// outcomes) must match exactly, costs to 1e-4 relative.
final class AssignmentFixtureTests: XCTestCase {
    func testStagesMatchReference() throws {
        let fixture = try loadPAAFixture(AssignFixture.self, "paa/assign.json", kind: "paa_assign")
        XCTAssertEqual(fixture.scenes.count, 12)
        let layout = AnchorLayout()
        let assigner = PAAAssigner(layout: layout)
        var totalPositives = 0, exactCosts = 0, allCosts = 0
        for (s, scene) in fixture.scenes.enumerated() {
            let gt = ObjectTargets(boxes: scene.boxes.map(BoxXYXY.init), labels: scene.labels)
            let valid = layout.validFlags(width: scene.valid_width, height: scene.valid_height)
            let predictions = ImagePredictions(numClasses: scene.num_classes, clsLogits: scene.logits.map { Float($0) },
                                               deltas: deltas(scene.deltas))
            let pre = assigner.preassign(gt, valid: valid)
            XCTAssertEqual(codes(pre.anchors), scene.preassigned, "scene \(s): pre-assignment")
            XCTAssertEqual(pre.candidates.map { [$0.anchor, $0.object, $0.level] }, scene.candidates, "scene \(s): candidates")

            let costs = assigner.anchorCosts(pre, predictions: predictions)
            assertClose(costs, scene.costs, atol: 1e-6, rtol: 1e-4, "scene \(s): costs")
            exactCosts += zip(costs, scene.costs).filter { $0 == Float($1) }.count
            allCosts += costs.count

            let stats = assigner.candidateStatistics(pre, costs: costs)
            XCTAssertEqual(stats.map { [$0.object, $0.level, $0.count] }, scene.stats.map { [$0.object, $0.level, $0.count] }, "scene \(s)")
            assertClose(stats.map(\.mean), scene.stats.map(\.mean), atol: 1e-9, rtol: 1e-6, "scene \(s): means")
            XCTAssertEqual(stats.map { $0.std == nil }, scene.stats.map { $0.std == nil }, "scene \(s)")
            assertClose(stats.compactMap(\.std), scene.stats.compactMap(\.std), atol: 1e-9, rtol: 1e-5, "scene \(s): stds")

            let samples = assigner.topKSamples(pre, costs: costs)
            XCTAssertEqual(samples.map { $0.map { pre.candidates[$0].anchor } }, scene.topk_sorted, "scene \(s): T_g")

            let result = assigner.finalize(pre, costs: costs)
            XCTAssertEqual(result.positives.map { [$0.anchor, $0.object] }, scene.positives, "scene \(s): positives")
            XCTAssertEqual(result.outcomes.map(describe), scene.outcomes, "scene \(s): outcomes")
            XCTAssertEqual(result.anchors.filter { $0 == .invalid }.count, valid.filter { !$0 }.count)
            totalPositives += result.numPositives
        }
        XCTAssertGreaterThan(totalPositives, 100)
        // Costs are evaluated in Double and rounded once, so they equal float32(reference) exactly.
        XCTAssertEqual(exactCosts, allCosts)
    }

    /// The same scenes as one batch of head outputs: the tensor view and `assign(batch:)` agree.
    func testBatchPathMatchesReference() throws {
        let fixture = try loadPAAFixture(AssignFixture.self, "paa/assign.json", kind: "paa_assign")
        let layout = AnchorLayout()
        let outputs = HeadOutputs.fromFlat(layout: layout, numClasses: 6,
                                           cls: fixture.scenes.map { $0.logits.map { Float($0) } },
                                           deltas: fixture.scenes.map { deltas($0.deltas) },
                                           iou: fixture.scenes.map { _ in [Float](repeating: 0, count: layout.count) })
        func run() -> [Assignment] {
            PAAAssigner(layout: layout).assign(
                batch: outputs, layout: layout,
                groundTruth: fixture.scenes.map { ObjectTargets(boxes: $0.boxes.map(BoxXYXY.init), labels: $0.labels) },
                valid: fixture.scenes.map { layout.validFlags(width: $0.valid_width, height: $0.valid_height) })
        }
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let serial = run()
        Parallel.threads = 2
        let parallel = run()
        XCTAssertEqual(serial, parallel)
        XCTAssertEqual(parallel.map { $0.positives.map { [$0.anchor, $0.object] } }, fixture.scenes.map(\.positives))
    }

    private func describe(_ o: ObjectOutcome) -> String {
        switch o {
        case .positives(let n): return "positives:\(n)"
        case .tooFewCandidates(let n): return "too_few:\(n)"
        case .fitFailed: return "fit_failed"
        }
    }
}
