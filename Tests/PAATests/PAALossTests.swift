import Detection
import Engine
import Models
@testable import PAA
import TestSupport
import XCTest

/// The three checks of STYLE.md §3 for the PAA/LAD losses: a hand-computed case, central
/// finite differences, and agreement with the numpy reference (loss.json); plus edge cases.
final class PAALossTests: XCTestCase {
    /// 16×16 input, one level of stride 8, anchor side 8, cell-centre offset: anchors
    /// (0,0,8,8), (8,0,16,8), (0,8,8,16), (8,8,16,16). C = 2.
    let tiny = AnchorLayout(.init(inputSize: 16, strides: [8], anchorScale: 1, centerOffset: 0.5))

    /// Anchor 0 positive for GT (1,2,9,11) of class 1, anchor 1 negative, anchors 2–3 invalid
    /// (their logits are large and must not count). All logits of anchors 0–1, the deltas and
    /// the IoU logit are 0, so the decoded box is the anchor itself.
    ///   cls  = [FL(0,0) + FL(0,1)] + 2·FL(0,0) = (3·0.1875 + 0.0625)·ln 2 = 0.625 ln 2, / max(1, 1)
    ///   u    = IoU((0,0,8,8), (1,2,9,11)) = 42/94;  GIoU = 42/94 − (99 − 94)/99 = 0.39630346
    ///   box  = 1.3·(1 − GIoU) = 0.78480550 (both variants, one positive)
    ///   iou  = 0.5·BCE(0, u) = 0.5 ln 2
    ///   ∂cls/∂z: negative (1−α)p^γ(p − γ(1−p)ln(1−p)) = 0.1875·(0.5 + ln 2) = 0.22371513,
    ///            positive α(1−p)^γ(γ p ln p − (1−p)) = 0.0625·(−ln 2 − 0.5) = −0.07457169
    ///   ∂iou/∂q = 0.5·(σ(0) − u) = 0.5·(0.5 − 42/94)
    ///   ∂box/∂δ = 1.3 · decode-chain of ∂(1−GIoU)/∂box, worked out by hand:
    ///     ∂/∂(x1,y1,x2,y2) = (−0.0627176, −0.0435359, −0.0745253, −0.0798158)
    ///     ∂/∂dx = 0.8·(∂x1 + ∂x2), ∂/∂dw = 1.6·0.5·(∂x2 − ∂x1)  (pw = 8, stds 0.1 / 0.2)
    ///     = 1.3·(−0.1097943, −0.0986814, −0.0094461, −0.0290240)
    func testHandComputedTinyCase() {
        let ln2 = log(2.0)
        let outputs = HeadOutputs.fromFlat(layout: tiny, numClasses: 2, cls: [[0, 0, 0, 0, 9, -9, -7, 7]],
                                           deltas: [[BoxDelta](repeating: .zero, count: 4)], iou: [[0, 0, 3, 3]])
        let assignment = Assignment(anchors: [.foreground(object: 0), .background, .invalid, .invalid])
        let gt = ObjectTargets(boxes: [BoxXYXY(1, 2, 9, 11)], labels: [1])
        for variant in [PAALossConfig.Variant.paa, .lad] {
            let r = PAALoss(layout: tiny, config: .init(variant: variant))(outputs, assignments: [assignment], groundTruth: [gt])
            XCTAssertEqual(r.numPositives, 1)
            assertClose(r.cls, 0.625 * ln2, atol: 0, rtol: 1e-9)
            assertClose(r.box, 0.7848055018, atol: 0, rtol: 1e-8)
            assertClose(r.iou, 0.5 * ln2, atol: 0, rtol: 1e-9)
            assertClose(r.total, 0.625 * ln2 + 0.7848055018 + 0.5 * ln2, atol: 0, rtol: 1e-8)
            assertClose(r.iouTargets, [42.0 / 94], atol: 1e-12)
            let g = flatten(r.gradients, layout: tiny)
            assertClose(g.cls[0], [0.22371513, -0.07457169, 0.22371513, 0.22371513, 0, 0, 0, 0], atol: 1e-7)
            assertClose(g.iou[0], [0.5 * (0.5 - 42.0 / 94), 0, 0, 0], atol: 1e-8)
            assertClose(g.reg[0], [-0.14273257, -0.12828578, -0.01227993, -0.03773111] + [Float](repeating: 0, count: 12),
                        atol: 2e-7, rtol: 1e-5)
        }
    }

    /// Central differences of the total loss w.r.t. every head output, IoU targets held fixed
    /// (they are detached). Inputs are Float; the loss is evaluated in Double from them, so the
    /// difference quotient over the representable step has no Float round-off: with h = 1e-3 the
    /// error is the O(h²) truncation (≲ 1e-6 of the local curvature scale), hence atol 2e-6.
    func testFiniteDifferences() {
        let layout = AnchorLayout(.init(inputSize: 64))
        let (outputs, assignments, gts) = randomBatch(layout: layout, classes: 3, seed: 11)
        XCTAssertGreaterThan(assignments.map(\.numPositives).reduce(0, +), 3)
        for variant in [PAALossConfig.Variant.paa, .lad] {
            let loss = PAALoss(layout: layout, config: .init(variant: variant))
            let r = loss(outputs, assignments: assignments, groundTruth: gts)
            let u = r.iouTargets
            func total(_ o: HeadOutputs) -> Double {
                loss.compute(o, assignments: assignments, groundTruth: gts, fixedIoUTargets: u).total
            }
            for l in layout.levels.indices {
                for (kind, keyPath) in [("cls", \HeadOutputs.cls), ("reg", \HeadOutputs.reg), ("iou", \HeadOutputs.iou)] {
                    var probe = outputs
                    var numeric: [Double] = []
                    for i in 0..<probe[keyPath: keyPath][l].count {
                        let old = probe[keyPath: keyPath][l].data[i]
                        probe[keyPath: keyPath][l].data[i] = old + 1e-3
                        let lp = total(probe)
                        probe[keyPath: keyPath][l].data[i] = old - 1e-3
                        let lm = total(probe)
                        probe[keyPath: keyPath][l].data[i] = old
                        numeric.append((lp - lm) / (Double(old + 1e-3) - Double(old - 1e-3)))
                    }
                    assertClose(r.gradients[keyPath: keyPath][l].data, numeric, atol: 2e-6, rtol: 1e-3, "\(variant) \(kind) level \(l)")
                }
            }
        }
    }

    /// Values and gradients against the numpy float64 reference (gradients there are central
    /// differences with the IoU targets detached). Batch 0: 3 images, one without objects,
    /// one with a smaller valid extent. Batch 1: objects present but every anchor background
    /// (N_pos = 0).
    func testMatchesNumpyReference() throws {
        let fixture = try loadPAAFixture(LossFixture.self, "paa/loss.json", kind: "paa_loss")
        XCTAssertEqual(fixture.batches.count, 2)
        let layout = AnchorLayout()
        for (k, batch) in fixture.batches.enumerated() {
            let c = batch.num_classes
            let outputs = HeadOutputs.fromFlat(layout: layout, numClasses: c,
                                               cls: batch.images.map { $0.logits.map { Float($0) } },
                                               deltas: batch.images.map { deltas($0.deltas) },
                                               iou: batch.images.map { $0.iou.map { Float($0) } })
            let assignments = batch.images.map { Assignment(anchors: anchorStates($0.states)) }
            let gts = batch.images.map { ObjectTargets(boxes: $0.boxes.map(BoxXYXY.init), labels: $0.labels) }
            for (variant, expected) in [(PAALossConfig.Variant.paa, batch.paa), (.lad, batch.lad)] {
                let r = PAALoss(layout: layout, config: .init(variant: variant))(outputs, assignments: assignments, groundTruth: gts)
                let tag = "batch \(k) \(variant)"
                XCTAssertEqual(r.numPositives, batch.num_positives, tag)
                assertClose([r.cls, r.box, r.iou, r.total], [expected.cls, expected.box, expected.iou, expected.total],
                            atol: 1e-10, rtol: 1e-7, tag)
                let g = flatten(r.gradients, layout: layout)
                for b in batch.images.indices {
                    assertClose(g.cls[b], expected.d_logits[b], atol: 1e-7, rtol: 1e-5, "\(tag) image \(b) cls")
                    assertClose(g.reg[b], expected.d_deltas[b], atol: 1e-7, rtol: 1e-5, "\(tag) image \(b) reg")
                    assertClose(g.iou[b], expected.d_iou[b], atol: 1e-7, rtol: 1e-5, "\(tag) image \(b) iou")
                }
            }
            if k == 0 {
                // Different IoU targets ⇒ the IoU-weighted and the unweighted box loss differ.
                XCTAssertNotEqual(batch.paa.box, batch.lad.box, accuracy: 1e-3)
                XCTAssertTrue(batch.images[1].labels.isEmpty)
            } else {
                XCTAssertEqual(batch.num_positives, 0)
            }
        }
    }

    /// N_pos = 0: box and IoU losses and their gradients are 0; cls is normalised by B.
    func testNoPositives() {
        let layout = AnchorLayout(.init(inputSize: 64))
        let (outputs, _, gts) = randomBatch(layout: layout, classes: 2, seed: 3)
        let valid = layout.validFlags(width: 64, height: 40)
        let assignments = [Assignment](repeating: Assignment(valid: valid, positives: []), count: 2)
        let r = PAALoss(layout: layout)(outputs, assignments: assignments, groundTruth: gts)
        XCTAssertEqual(r.numPositives, 0)
        XCTAssertEqual(r.box, 0)
        XCTAssertEqual(r.iou, 0)
        XCTAssertTrue(r.iouTargets.isEmpty)
        XCTAssertTrue(r.gradients.reg.allSatisfy { $0.data.allSatisfy { $0 == 0 } })
        XCTAssertTrue(r.gradients.iou.allSatisfy { $0.data.allSatisfy { $0 == 0 } })
        // cls = Σ_{valid a, c} FL(z, 0) / max(0, B = 2).
        let flat = flatten(outputs, layout: layout)
        var expected = 0.0
        for b in 0..<2 {
            for a in 0..<layout.count where valid[a] {
                for c in 0..<2 { expected += sigmoidFocalLoss(logit: Double(flat.cls[b][a * 2 + c]), isPositive: false).loss }
            }
        }
        assertClose(r.cls, expected / 2, atol: 0, rtol: 1e-12)
        // Invalid anchors get no gradient, valid ones do.
        let g = flatten(r.gradients, layout: layout)
        for a in 0..<layout.count { XCTAssertEqual(g.cls[0][a * 2] != 0, valid[a], "anchor \(a)") }
    }

    /// An image without objects inside a batch with positives contributes cls terms only, and
    /// the cls normaliser is max(N_pos, B).
    func testAllBackgroundImageInBatch() {
        let layout = AnchorLayout(.init(inputSize: 64))
        let (outputs, assignments, gts) = randomBatch(layout: layout, classes: 2, seed: 5)
        let background = Assignment(valid: layout.validFlags(width: 64, height: 64), positives: [])
        let mixed = [assignments[0], background]
        let r = PAALoss(layout: layout)(outputs, assignments: mixed, groundTruth: [gts[0], .empty])
        XCTAssertEqual(r.numPositives, assignments[0].numPositives)
        let alone = PAALoss(layout: layout)(outputs, assignments: [assignments[0], background], groundTruth: [gts[0], gts[1]])
        assertClose(r.total, alone.total, atol: 0, rtol: 1e-12)   // GT of a background image is never read
        let g = flatten(r.gradients, layout: layout)
        XCTAssertTrue(g.reg[1].allSatisfy { $0 == 0 })
        XCTAssertTrue(g.iou[1].allSatisfy { $0 == 0 })
        XCTAssertTrue(g.cls[1].contains { $0 != 0 })
        // One positive in a batch of 2: normaliser max(1, 2) = 2.
        let one = Assignment(valid: [Bool](repeating: true, count: layout.count), positives: [assignments[0].positives[0]])
        let r1 = PAALoss(layout: layout)(outputs, assignments: [one, background], groundTruth: [gts[0], .empty])
        let r2 = PAALoss(layout: layout, config: .init(clsWeight: 2))(outputs, assignments: [one, background], groundTruth: [gts[0], .empty])
        assertClose(r2.cls, 2 * r1.cls, atol: 0, rtol: 1e-12)
    }

    /// An empty batch shard: zero losses, gradients of the (empty) output shapes.
    func testEmptyBatch() {
        let layout = AnchorLayout(.init(inputSize: 64))
        let outputs = HeadOutputs.fromFlat(layout: layout, numClasses: 4, cls: [], deltas: [], iou: [])
        let r = PAALoss(layout: layout)(outputs, assignments: [], groundTruth: [])
        XCTAssertEqual([r.cls, r.box, r.iou, r.total], [0, 0, 0, 0])
        XCTAssertEqual(r.numPositives, 0)
        XCTAssertEqual(r.gradients.cls.map(\.shape), outputs.cls.map(\.shape))
        XCTAssertEqual(PAAAssigner(layout: layout).assign(batch: outputs, layout: layout, groundTruth: [], valid: []), [])
    }

    /// Random outputs for 2 images on `layout`, GT, and the assigner's own assignments (the
    /// second image has a smaller valid extent, so some anchors are invalid).
    func randomBatch(layout: AnchorLayout, classes c: Int, seed: UInt64) -> (HeadOutputs, [Assignment], [ObjectTargets]) {
        randomPAABatch(layout: layout, classes: c, seed: seed)
    }
}

/// Two images with random head outputs, ground truth and their PAA assignments (shared by tests).
func randomPAABatch(layout: AnchorLayout, classes c: Int, seed: UInt64) -> (HeadOutputs, [Assignment], [ObjectTargets]) {
    do {
        var rng = TestRandom(seed: seed)
        let gts = [ObjectTargets(boxes: [BoxXYXY(5.5, 8.25, 30.75, 40.5), BoxXYXY(34, 20.5, 60.25, 58)], labels: [0, c - 1]),
                   ObjectTargets(boxes: [BoxXYXY(10.5, 4, 44.75, 30.25)], labels: [1 % c])]
        let valid = [layout.validFlags(width: 64, height: 64), layout.validFlags(width: 48, height: 40)]
        let cls = (0..<2).map { _ in (0..<layout.count * c).map { _ in rng.normal(-2, 1.5) } }
        let dl = (0..<2).map { _ in (0..<layout.count).map { _ in BoxDelta(dx: rng.normal(0, 0.8), dy: rng.normal(0, 0.8), dw: rng.normal(0, 0.8), dh: rng.normal(0, 0.8)) } }
        let iou = (0..<2).map { _ in (0..<layout.count).map { _ in rng.normal(0, 1.5) } }
        let outputs = HeadOutputs.fromFlat(layout: layout, numClasses: c, cls: cls, deltas: dl, iou: iou)
        let assignments = PAAAssigner(layout: layout).assign(batch: outputs, layout: layout, groundTruth: gts, valid: valid)
        return (outputs, assignments, gts)
    }
}
