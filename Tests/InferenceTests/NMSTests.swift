// The fast NMS against the O(n²) reference on random candidate sets built to overlap and tie.

import Detection
import Engine
import XCTest
@testable import Inference

final class NMSTests: XCTestCase {
    /// Random candidates in a 64×64 image: boxes jittered around a few centres (so many overlap
    /// around the 0.6 threshold), scores drawn from a small set of values (so many tie exactly).
    func randomCandidates(_ rng: inout SplitMix64, count: Int, classes: Int) -> [Candidate] {
        let centres = (0..<4).map { _ in (x: 64 * rng.nextFloat(), y: 64 * rng.nextFloat()) }
        let levels = (0..<12).map { _ in 0.05 + 0.95 * rng.nextFloat() }
        return (0..<count).map { _ in
            let c = centres[Int(rng.next() % UInt64(centres.count))]
            let cx = c.x + 6 * (rng.nextFloat() - 0.5), cy = c.y + 6 * (rng.nextFloat() - 0.5)
            let w = 8 + 24 * rng.nextFloat(), h = 8 + 24 * rng.nextFloat()
            return Candidate(box: BoxXYXY(x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2),
                             classIndex: Int(rng.next() % UInt64(classes)),
                             score: levels[Int(rng.next() % UInt64(levels.count))])
        }
    }

    func testSortedAgreesWithNaiveOnRandomInputs() {
        var rng = SplitMix64(seed: 7)
        var suppressedSomething = 0, tiedScores = 0, capped = 0
        for trial in 0..<140 {
            let count = [0, 1, 2, 5, 40, 150, 300][trial % 7]
            let candidates = randomCandidates(&rng, count: count, classes: 1 + trial % 4)
            for threshold: Float in [0.3, 0.6, 0.8] {
                for cap in [0, 5, 100] {
                    let naive = naiveNMS(candidates, iouThreshold: threshold, maxDetections: cap)
                    let fast = sortedNMS(candidates, iouThreshold: threshold, maxDetections: cap)
                    XCTAssertEqual(fast, naive, "trial \(trial), n \(count), threshold \(threshold), cap \(cap)")
                    if naive.count < min(count, cap > 0 ? cap : count) { suppressedSomething += 1 }
                    if cap > 0 && count > cap { capped += 1 }
                }
            }
            tiedScores += Set(candidates.map(\.score)).count < candidates.count ? 1 : 0
        }
        // The inputs really exercise suppression, ties and the cap.
        XCTAssertGreaterThan(suppressedSomething, 50)
        XCTAssertGreaterThan(tiedScores, 50)
        XCTAssertGreaterThan(capped, 50)
    }

    func testKeptSetIsGreedyAndOrdered() {
        // Direct check of the definition on one random set: every kept box has no higher-ranked kept
        // box of its class with IoU > t, every dropped one has one, and the output is in visiting order.
        var rng = SplitMix64(seed: 11)
        let cands = randomCandidates(&rng, count: 300, classes: 3)
        let kept = sortedNMS(cands, iouThreshold: 0.6, maxDetections: 0)
        let keptSet = Set(kept)
        for i in cands.indices {
            let blockers = kept.filter { k in
                k != i && cands[k].classIndex == cands[i].classIndex && visitedBefore(k, i, in: cands)
                    && iou(cands[k].box, cands[i].box) > 0.6
            }
            XCTAssertEqual(keptSet.contains(i), blockers.isEmpty, "candidate \(i)")
        }
        for (x, y) in zip(kept, kept.dropFirst()) { XCTAssertTrue(visitedBefore(x, y, in: cands)) }
    }

    func testIdenticalBoxesAndScoresKeepTheFirst() {
        let box = BoxXYXY(x1: 0, y1: 0, x2: 10, y2: 10)
        let cands = [Candidate(box: box, classIndex: 0, score: 0.5), Candidate(box: box, classIndex: 1, score: 0.5),
                     Candidate(box: box, classIndex: 0, score: 0.5), Candidate(box: box, classIndex: 0, score: 0.7)]
        for nms in [NMSAlgorithm.naive, .sorted] {
            XCTAssertEqual(nms.run(cands, iouThreshold: 0.6, maxDetections: 0), [3, 1])
            XCTAssertEqual(nms.run(cands, iouThreshold: 0.6, maxDetections: 1), [3])
            XCTAssertEqual(nms.run([], iouThreshold: 0.6, maxDetections: 100), [])
        }
    }
}

extension SplitMix64 {
    /// Uniform in [0, 1) as Float.
    mutating func nextFloat() -> Float { Float(nextUniform()) }
}
