import Foundation
import XCTest
@testable import Datasets

final class SamplerTests: XCTestCase {
    private let configs: [(count: Int, group: Int, batch: Int)] = [(103, 3, 4), (64, 2, 8), (10, 1, 3), (1000, 4, 16)]

    func testShardsAreDisjointAndCoverAllButTheRemainder() throws {
        for (count, group, batch) in configs {
            for epoch in 0..<2 {
                var seen: [Int] = []
                for rank in 0..<group {
                    let s = try DistributedSampler(datasetCount: count, seed: 7, groupSize: group, groupRank: rank, batchPerRank: batch)
                    for indices in s.batches(epoch: epoch) {
                        XCTAssertEqual(indices.count, batch)
                        seen += indices
                    }
                }
                XCTAssertEqual(seen.count, count - count % (group * batch))
                XCTAssertEqual(Set(seen).count, seen.count, "ranks overlap")
                XCTAssertTrue(seen.allSatisfy { (0..<count).contains($0) })
            }
        }
    }

    func testSameSettingsGiveSameIndicesAndFlips() throws {
        // Group A rank 1 and group B rank 1 (separate instances, as in separate processes).
        let a = try DistributedSampler(datasetCount: 500, seed: 11, groupSize: 4, groupRank: 1, batchPerRank: 8)
        let b = try DistributedSampler(datasetCount: 500, seed: 11, groupSize: 4, groupRank: 1, batchPerRank: 8)
        let pre = Preprocess(size: 8, augment: true, seed: 11)
        let image = RGBImage(width: 8, height: 8)
        for epoch in 0..<3 {
            XCTAssertEqual(a.batches(epoch: epoch), b.batches(epoch: epoch))
            for iteration in [0, 5, a.iterationsPerEpoch - 1] {
                let ia = try a.indices(epoch: epoch, iteration: iteration)
                let ib = try b.indices(at: SamplerPosition(epoch: epoch, iteration: iteration))
                XCTAssertEqual(ia, ib)
                let samples = ia.map { Sample(image: image, boxes: [], labels: [], imageId: $0) }
                XCTAssertEqual(try pre.prepare(samples, indices: ia, epoch: epoch).flipped,
                               try pre.prepare(samples, indices: ib, epoch: epoch).flipped)
                XCTAssertEqual(ia.map { Preprocess.flipDraw(seed: 11, epoch: epoch, index: $0) },
                               ib.map { Preprocess.flipDraw(seed: 11, epoch: epoch, index: $0) })
            }
        }
    }

    func testEpochsAndSeedsDiffer() throws {
        let s = try DistributedSampler(datasetCount: 200, seed: 1, batchPerRank: 10)
        XCTAssertNotEqual(s.permutation(epoch: 0), s.permutation(epoch: 1))
        XCTAssertEqual(s.permutation(epoch: 3).sorted(), Array(0..<200))
        let other = try DistributedSampler(datasetCount: 200, seed: 2, batchPerRank: 10)
        XCTAssertNotEqual(s.permutation(epoch: 0), other.permutation(epoch: 0))
        let ordered = try DistributedSampler(datasetCount: 200, seed: 1, batchPerRank: 10, shuffle: false)
        XCTAssertEqual(try ordered.indices(epoch: 5, iteration: 2), Array(20..<30))
    }

    func testOneRankWithDoubleBatchEqualsTwoRanksConcatenated() throws {
        for k in [1, 3, 8] {
            let single = try DistributedSampler(datasetCount: 97, seed: 5, groupSize: 1, groupRank: 0, batchPerRank: 2 * k)
            let r0 = try DistributedSampler(datasetCount: 97, seed: 5, groupSize: 2, groupRank: 0, batchPerRank: k)
            let r1 = try DistributedSampler(datasetCount: 97, seed: 5, groupSize: 2, groupRank: 1, batchPerRank: k)
            XCTAssertEqual(single.iterationsPerEpoch, r0.iterationsPerEpoch)
            for epoch in 0..<2 {
                let joined = zip(r0.batches(epoch: epoch), r1.batches(epoch: epoch)).map { $0 + $1 }
                XCTAssertEqual(single.batches(epoch: epoch), joined, "k = \(k)")
            }
        }
    }

    func testPositionIsCodableAndAdvances() throws {
        let s = try DistributedSampler(datasetCount: 50, seed: 0, groupSize: 2, groupRank: 0, batchPerRank: 5)
        XCTAssertEqual(s.iterationsPerEpoch, 5)
        XCTAssertEqual(s.droppedPerEpoch, 0)
        XCTAssertEqual(s.position(after: SamplerPosition(epoch: 2, iteration: 3)), SamplerPosition(epoch: 2, iteration: 4))
        XCTAssertEqual(s.position(after: SamplerPosition(epoch: 2, iteration: 4)), SamplerPosition(epoch: 3, iteration: 0))
        let position = SamplerPosition(epoch: 4, iteration: 2)
        let decoded = try JSONDecoder().decode(SamplerPosition.self, from: JSONEncoder().encode(position))
        XCTAssertEqual(decoded, position)
        assertDatasetError(["sampler", "iteration = 5"]) { try s.indices(epoch: 0, iteration: 5) }
    }

    func testInvalidSettingsThrow() {
        assertDatasetError(["groupRank = 2"]) { try DistributedSampler(datasetCount: 10, seed: 0, groupSize: 2, groupRank: 2, batchPerRank: 1) }
        assertDatasetError(["batchPerRank = 0"]) { try DistributedSampler(datasetCount: 10, seed: 0, batchPerRank: 0) }
        assertDatasetError(["datasetCount = 5", "fewer samples"]) { try DistributedSampler(datasetCount: 5, seed: 0, groupSize: 2, batchPerRank: 3) }
    }
}
