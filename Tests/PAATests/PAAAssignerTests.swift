import Detection
import PAA
import TestSupport
import XCTest

/// Anchor cost, top-k, mixture and final positives on hand-built scenes, plus edge cases.
final class PAAAssignerTests: XCTestCase {
    /// S for one anchor, worked out by hand (numbers from a calculator, not from the code):
    /// anchor (0,0,10,10), logits (0.5, −1), label 1, δ = (0.1, −0.2, 0.3, 0.4), GT (1,2,9,11).
    ///   FL(0.5, y=0) = −0.75·σ(0.5)²·log(1−σ(0.5)) = 0.28305870064
    ///   FL(−1,  y=1) = −0.25·(1−σ(−1))²·log σ(−1)  = 0.17546707585
    ///   decode: centre (5 + 10·0.01, 5 − 10·0.02) = (5.1, 4.8), size (10e^0.06, 10e^0.08)
    ///     = (−0.20918, −0.61644, 10.40918, 10.21644)
    ///   I = 8 × 8.21644 = 65.73148, U = 112.56466 + 72 − I = 121.29590, E = 10.61837 × 11.61644 = 123.34756
    ///   GIoU = I/U − (E − U)/E = 0.54191019 − 0.01663316 = 0.52527704
    ///   S = 0.28305870 + 0.17546708 + 1.3·(1 − 0.52527704) = 1.07566563
    func testCostOfOneAnchorByHand() {
        let set = AnchorSet(anchors: [BoxXYXY(0, 0, 10, 10)], levelRanges: [0..<1])
        let predictions = ImagePredictions(numClasses: 2, clsLogits: [0.5, -1], deltas: [BoxDelta(dx: 0.1, dy: -0.2, dw: 0.3, dh: 0.4)])
        let assigner = PAAAssigner(anchors: set)
        let s = assigner.anchorCost(anchor: 0, object: BoxXYXY(1, 2, 9, 11), label: 1, predictions: predictions)
        assertClose(s, 1.0756656269, atol: 0, rtol: 1e-7)
        // The same through the stage functions.
        let gt = ObjectTargets(boxes: [BoxXYXY(1, 2, 9, 11)], labels: [1])
        let pre = assigner.preassign(gt, valid: [true])
        assertClose(assigner.anchorCosts(pre, predictions: predictions), [1.0756656269], atol: 0, rtol: 1e-7)
        // The focal term sums over every class: with label 0 instead, both terms change.
        let s0 = assigner.anchorCost(anchor: 0, object: BoxXYXY(1, 2, 9, 11), label: 0, predictions: predictions)
        let fl0 = -0.25 * pow(1 - sig(0.5), 2) * log(sig(0.5)), fl1 = -0.75 * pow(sig(-1), 2) * log(1 - sig(-1))
        assertClose(s0, fl0 + fl1 + 1.3 * (1 - 0.525277038129571), atol: 0, rtol: 1e-7)
    }

    /// Identical anchors on the GT box with zero deltas: GIoU = 1, so S is the focal sum alone,
    /// set by the logits: three confident anchors (z ≈ +4, S ≈ 1e-6) and three poor ones
    /// (z ≈ −3, S ≈ 0.7). The mixture separates them and positives come from the low group.
    func testClearBimodalCostsLowGroupPositive() {
        let box = BoxXYXY(20, 20, 40, 40)
        let set = AnchorSet(anchors: [BoxXYXY](repeating: box, count: 6) + [BoxXYXY(80, 80, 90, 90)], levelRanges: [0..<7])
        let z: [Float] = [-3, 4, -3.2, 3.5, 3.8, -3.1, 0]
        let predictions = ImagePredictions(numClasses: 1, clsLogits: z, deltas: [BoxDelta](repeating: .zero, count: 7))
        let assigner = PAAAssigner(anchors: set)
        let gt = ObjectTargets(boxes: [box], labels: [0])
        let pre = assigner.preassign(gt, valid: [Bool](repeating: true, count: 7))
        XCTAssertEqual(pre.candidates.map(\.anchor), [0, 1, 2, 3, 4, 5])
        let costs = assigner.anchorCosts(pre, predictions: predictions)
        let expected = z.prefix(6).map { z in -0.25 * pow(1 - sig(Double(z)), 2) * log(sig(Double(z))) }
        assertClose(costs, expected, atol: 1e-12, rtol: 1e-6)
        let result = assigner.finalize(pre, costs: costs)
        let sortedAnchors = [1, 4, 3, 0, 5, 2]   // ascending cost
        let separation = try! paaSeparation(sortedCosts: sortedAnchors.map { costs[$0] })
        XCTAssertEqual(separation.fit.labels, [.foreground, .foreground, .foreground, .background, .background, .background])
        let positives = separation.positiveIndices.map { sortedAnchors[$0] }
        XCTAssertFalse(positives.isEmpty)
        XCTAssertTrue(Set(positives).isSubset(of: [1, 3, 4]))
        XCTAssertEqual(result.positives, positives.sorted().map { .init(anchor: $0, object: 0) })
        XCTAssertEqual(result.outcomes, [.positives(count: positives.count)])
        for a in [0, 2, 5, 6] { XCTAssertEqual(result.anchors[a], .background) }
        XCTAssertEqual(result.numPositives, positives.count)
    }

    /// Costs given directly to `finalize`: top-k per level, T_g sorted, scheme (c).
    /// Level 0: four candidates with S (.10, .13, .11, .12), top-3 drops .13; level 1: (2.0, 2.2, 2.1).
    /// T_g sorted = (.10, .11, .12, 2.0, 2.1, 2.2): the sklearn-checked case of
    /// PAASeparationTests.testTwoClearClusters, positives = the first two = anchors 0 and 2.
    func testTopKPerLevelThenSeparation() {
        let box = BoxXYXY(0, 0, 10, 10)
        let set = AnchorSet(anchors: [BoxXYXY](repeating: box, count: 4) + [BoxXYXY](repeating: BoxXYXY(0, 0, 12, 12), count: 3),
                            levelRanges: [0..<4, 4..<7])
        let assigner = PAAAssigner(anchors: set, config: .init(topK: 3))
        let pre = assigner.preassign(ObjectTargets(boxes: [box], labels: [0]), valid: [Bool](repeating: true, count: 7))
        XCTAssertEqual(pre.groups.map(\.range), [0..<4, 4..<7])
        let costs: [Float] = [0.10, 0.13, 0.11, 0.12, 2.0, 2.2, 2.1]
        XCTAssertEqual(assigner.topKSamples(pre, costs: costs).map { $0.map { pre.candidates[$0].anchor } }, [[0, 2, 3, 4, 6, 5]])
        let result = assigner.finalize(pre, costs: costs)
        XCTAssertEqual(result.positives, [.init(anchor: 0, object: 0), .init(anchor: 2, object: 0)])
        XCTAssertEqual(result.anchors, [.foreground(object: 0), .background, .foreground(object: 0), .background,
                                        .background, .background, .background])
        // With k = 9 the .13 candidate enters T_g (and the fit changes).
        XCTAssertEqual(PAAAssigner(anchors: set).topKSamples(pre, costs: costs)[0].count, 7)
        // Cost ties: the lower anchor index wins the top-k slot and the earlier sort position.
        let ties = assigner.topKSamples(pre, costs: [0.5, 0.5, 0.5, 0.5, 1, 1, 0.2])
        XCTAssertEqual(ties[0].map { pre.candidates[$0].anchor }, [6, 0, 1, 2, 4, 5])
    }

    /// |T_g| < 2: an object with a single candidate gets no positives (mmdet PAA/LAD/CoLAD).
    func testOneCandidateNoPositives() {
        let set = AnchorSet(anchors: [BoxXYXY(0, 0, 10, 10), BoxXYXY(50, 50, 60, 60), BoxXYXY(80, 80, 90, 90), BoxXYXY(81, 80, 91, 90)],
                            levelRanges: [0..<4])
        let assigner = PAAAssigner(anchors: set)
        // Object 0: one candidate (a0); object 1: two candidates (a2, a3).
        let gt = ObjectTargets(boxes: [BoxXYXY(0, 0, 10, 10), BoxXYXY(80, 80, 91, 90)], labels: [0, 1])
        let pre = assigner.preassign(gt, valid: [true, true, true, true])
        XCTAssertEqual(pre.candidates.map(\.anchor), [0, 2, 3])
        let result = assigner.finalize(pre, costs: [0.1, 0.3, 1.9])
        XCTAssertEqual(result.outcomes, [.tooFewCandidates(count: 1), .positives(count: 1)])
        XCTAssertEqual(result.anchors, [.background, .background, .foreground(object: 1), .background])
        XCTAssertEqual(result.positives, [.init(anchor: 2, object: 1)])
    }

    func testNoObjectsAllBackground() {
        let layout = AnchorLayout()
        let assigner = PAAAssigner(layout: layout)
        let valid = layout.validFlags(width: 100, height: 128)
        let predictions = ImagePredictions(numClasses: 3, clsLogits: [Float](repeating: 0, count: 336 * 3),
                                           deltas: [BoxDelta](repeating: .zero, count: 336))
        let result = assigner.assign(.empty, valid: valid, predictions: predictions)
        XCTAssertEqual(result.numPositives, 0)
        XCTAssertEqual(result.outcomes, [])
        XCTAssertEqual(result.anchors, valid.map { $0 ? .background : .invalid })
        XCTAssertEqual(assigner.candidateStatistics(assigner.preassign(.empty, valid: valid), costs: []), [])
    }

    /// A non-finite cost skips its object; the other objects are unaffected.
    func testNonFiniteCostSkipsObject() {
        let set = AnchorSet(anchors: [BoxXYXY(0, 0, 10, 10), BoxXYXY(1, 0, 11, 10), BoxXYXY(80, 80, 90, 90), BoxXYXY(81, 80, 91, 90)],
                            levelRanges: [0..<4])
        let assigner = PAAAssigner(anchors: set)
        let gt = ObjectTargets(boxes: [BoxXYXY(0, 0, 11, 10), BoxXYXY(80, 80, 91, 90)], labels: [0, 0])
        let pre = assigner.preassign(gt, valid: [true, true, true, true])
        XCTAssertEqual(pre.candidates.map(\.object), [0, 0, 1, 1])
        for bad in [Float.nan, .infinity] {
            let result = assigner.finalize(pre, costs: [0.2, bad, 0.3, 1.9])
            XCTAssertEqual(result.outcomes, [.fitFailed(.nonFiniteSample(index: 1)), .positives(count: 1)])
            XCTAssertEqual(result.positives, [.init(anchor: 2, object: 1)])
        }
    }

    /// A sample sklearn fits in float64 but rejects as float32 ("ill-defined empirical
    /// covariance", Tests/Fixtures/detection/gmm.json): the default arithmetic keeps the
    /// object, `.mmdetFloat32` skips it as the CoLAD head does.
    func testFitFailureSkipsObject() {
        let box = BoxXYXY(0, 0, 10, 10)
        let set = AnchorSet(anchors: [BoxXYXY](repeating: box, count: 4), levelRanges: [0..<4])
        let costs: [Float] = [4.377070426940918, 1.6321877241134644, 8.805157661437988, 4.848522663116455]
        let gt = ObjectTargets(boxes: [box], labels: [0])
        let pre = PAAAssigner(anchors: set).preassign(gt, valid: [true, true, true, true])
        let ok = PAAAssigner(anchors: set).finalize(pre, costs: costs)
        XCTAssertEqual(ok.positives.map(\.anchor), [0, 1])     // sorted positions [0, 1] = costs 1.63, 4.38
        let failed = PAAAssigner(anchors: set, config: .init(gmmArithmetic: .mmdetFloat32)).finalize(pre, costs: costs)
        XCTAssertEqual(failed.numPositives, 0)
        XCTAssertEqual(failed.anchors, [.background, .background, .background, .background])
        guard case .fitFailed(.illDefinedCovariance) = failed.outcomes[0] else {
            return XCTFail("expected an ill-defined covariance, got \(failed.outcomes)")
        }
    }

    /// Statistics per (object, level) and CoLAD's merge of two cost arrays.
    func testStatisticsAndMerge() {
        let box = BoxXYXY(0, 0, 10, 10)
        let set = AnchorSet(anchors: [BoxXYXY](repeating: box, count: 3) + [BoxXYXY(0, 0, 12, 12)], levelRanges: [0..<3, 3..<4])
        let assigner = PAAAssigner(anchors: set)
        let pre = assigner.preassign(ObjectTargets(boxes: [box], labels: [0]), valid: [true, true, true, true])
        let a: [Float] = [1, 2, 4, 3], b: [Float] = [10, 20, 30, 0.5]
        let stats = assigner.candidateStatistics(pre, costs: a)
        XCTAssertEqual(stats.count, 2)
        XCTAssertEqual(stats[0].count, 3)
        assertClose(stats[0].mean, 7.0 / 3, atol: 1e-12)
        assertClose(stats[0].std!, (((1 - 7.0 / 3) * (1 - 7.0 / 3) + (2 - 7.0 / 3) * (2 - 7.0 / 3) + (4 - 7.0 / 3) * (4 - 7.0 / 3)) / 2).squareRoot(), atol: 1e-12)
        XCTAssertEqual(stats[1], CandidateStats(object: 0, level: 1, count: 1, mean: 3, std: nil))
        XCTAssertEqual(pre.mergedCosts(a, b) { $0.level == 1 }, [1, 2, 4, 0.5])
        XCTAssertEqual(pre.mergedCosts(a, b) { _ in false }, a)
    }

    /// Rebuilding an assignment from transported positives gives the same value.
    func testAssignmentRoundTrip() {
        let valid = [true, true, false, true]
        let built = Assignment(valid: valid, positives: [.init(anchor: 3, object: 1), .init(anchor: 0, object: 0)])
        XCTAssertEqual(built.anchors, [.foreground(object: 0), .background, .invalid, .foreground(object: 1)])
        XCTAssertEqual(built.positives.map(\.anchor), [0, 3])
        XCTAssertEqual(Assignment(anchors: built.anchors), built)
    }
}

func sig(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
