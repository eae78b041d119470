// RankSplit: the cost-balanced split of W worker ranks between two networks, by hand.
import Config
import Training
import XCTest

final class RankSplitTests: XCTestCase {
    private let tinySmall: [NetworkID: Double] = [.a: 1, .b: 1.6]

    /// W = 3, batch 8: G = 8·⌈3/2⌉ = 16. (1, 2): max(1·16, 1.6·8) = 16; (2, 1): max(1·8, 1.6·16) = 25.6.
    func testThreeWorkersGiveTheDearerNetworkTwo() throws {
        let c = try XCTUnwrap(RankSplit.choose(workers: 3, batchSize: 8, costPerImage: tinySmall))
        XCTAssertEqual(c, RankSplit.Choice(a: 1, b: 2, globalBatch: 16, step: 16, equalStep: nil))
        let flipped = try XCTUnwrap(RankSplit.choose(workers: 3, batchSize: 8, costPerImage: [.a: 1.6, .b: 1]))
        XCTAssertEqual([flipped.a, flipped.b], [2, 1])
    }

    /// W = 6, batch 8: G = 24. (2, 4): max(12, 9.6) = 12 beats the equal (3, 3): max(8, 12.8) =
    /// 12.8; (1, 5) and (5, 1) do not divide 24; (4, 2): max(6, 19.2).
    func testSixWorkersBeatTheEqualSplitAtTheSameGlobalBatch() throws {
        let c = try XCTUnwrap(RankSplit.choose(workers: 6, batchSize: 8, costPerImage: tinySmall))
        XCTAssertEqual(c, RankSplit.Choice(a: 2, b: 4, globalBatch: 24, step: 12, equalStep: 12.8))
    }

    /// W = 4, batch 8: G = 16; (1, 3) and (3, 1) do not divide it, so (2, 2).
    func testFourWorkersStayEqual() throws {
        let c = try XCTUnwrap(RankSplit.choose(workers: 4, batchSize: 8, costPerImage: tinySmall))
        XCTAssertEqual(c, RankSplit.Choice(a: 2, b: 2, globalBatch: 16, step: 12.8, equalStep: 12.8))
    }

    /// Equal costs, W = 5, batch 2: G = 6; (2, 3) and (3, 2) tie at 3, the first nearest-equal
    /// split stays. W = 5, batch 1: G = 3 and no split divides it.
    func testTiesAndNoSplit() throws {
        let c = try XCTUnwrap(RankSplit.choose(workers: 5, batchSize: 2, costPerImage: [.a: 1, .b: 1]))
        XCTAssertEqual([c.a, c.b, c.globalBatch], [2, 3, 6])
        XCTAssertEqual(c.step, 3)
        XCTAssertNil(RankSplit.choose(workers: 5, batchSize: 1, costPerImage: [.a: 1, .b: 1]))
        XCTAssertNil(RankSplit.step(a: 2, b: 3, globalBatch: 8, costPerImage: tinySmall))
    }

    /// A topology with a fixed global batch hands each group G / k images and routes by ranges.
    func testTopologyWithAFixedGlobalBatch() {
        let t = JobTopology(counts: [2, 4], networks: [.a, .b], coordinatorRank: 0, globalBatch: 24)
        XCTAssertEqual(t.globalBatch(batchSize: 8), 24, "the fixed G, not batch_size × k = 32")
        XCTAssertEqual(t.batchPerRank(of: .a, batchSize: 8), 12)
        XCTAssertEqual(t.batchPerRank(of: .b, batchSize: 8), 6)
        XCTAssertEqual(t.overlaps(of: .a, groupRank: 1, batchSize: 8).map(\.peerGroupRank), [2, 3])
        XCTAssertEqual(t.overlaps(of: .b, groupRank: 3, batchSize: 8).map(\.mine), [0..<6])
        XCTAssertEqual(JobTopology(counts: [2, 4], networks: [.a, .b], coordinatorRank: 0).globalBatch(batchSize: 8), 32)
    }

    /// More ranks than cores share them. a 1, b 2.5 per image; W = 3, G = 16 on 2 cores:
    /// w_a = 16, w_b = 20 per rank; three ranks at 2/3 of a core each until a finishes at
    /// 16 / (2/3) = 24, when the b ranks have done 16 of 20; the last 4 at a full core: step 28.
    /// With a core per rank: max(16, 20) = 20.
    func testRanksBeyondTheCoresShareThem() throws {
        let c: [NetworkID: Double] = [.a: 1, .b: 2.5]
        XCTAssertEqual(try XCTUnwrap(RankSplit.step(a: 1, b: 2, globalBatch: 16, costPerImage: c, cores: 2)), 28, accuracy: 1e-12)
        XCTAssertEqual(RankSplit.step(a: 1, b: 2, globalBatch: 16, costPerImage: c), 20)
        XCTAssertEqual(RankSplit.step(a: 1, b: 2, globalBatch: 16, costPerImage: c, cores: 3), 20, "W ≤ cores: as with a core per rank")
    }

    /// How many workers on 2 cores. a 1, b 2.5: W = 2 (1, 1), G = 8: step 20, 0.4 images per
    /// unit; W = 3 (1, 2), G = 16: step 28 (above), 0.571; W = 4 (2, 2), G = 16: a's ranks finish
    /// at 8 / (1/2) = 16, b's have 12 left at a core each: 28, 0.571, no better, so W = 3. Every
    /// larger W is held to the same 0.571 by the two cores (G · 3.5 / 2 core-units per step).
    func testWorkersOnTwoCoresForUnequalNetworks() {
        let c = RankSplit.workers(cores: 2, batchSize: 8, costPerImage: [.a: 1, .b: 2.5])
        XCTAssertEqual([c.a, c.b, c.globalBatch], [1, 2, 16])
        XCTAssertEqual(c.step, 28, accuracy: 1e-12)
        XCTAssertEqual(RankSplit.throughput(c), 16.0 / 28, accuracy: 1e-12)
    }

    /// a 1, b 1.6 on 2 cores: W = 2: max(8, 12.8) → 0.625; W = 3 (1, 2), G = 16: b's ranks
    /// (12.8 each) finish at 12.8 / (2/3) = 19.2, a has 3.2 left: 22.4 → 0.714; W = 4 (2, 2):
    /// a's ranks (8) finish at 16, b has 4.8 left: 20.8 → 0.769, more than 2 % over W = 3, so it
    /// wins; W = 5 and 6 reach the same 0.769 (the cores' bound), not more.
    func testALargerCountWinsOnlyWhenFaster() {
        let c = RankSplit.workers(cores: 2, batchSize: 8, costPerImage: [.a: 1, .b: 1.6])
        XCTAssertEqual([c.a, c.b, c.globalBatch], [2, 2, 16])
        XCTAssertEqual(c.step, 20.8, accuracy: 1e-12)
        XCTAssertEqual(RankSplit.workers(cores: 2, batchSize: 8, costPerImage: [.a: 1, .b: 1.6], maxWorkers: 3).b, 2)
        let strict = RankSplit.workers(cores: 2, batchSize: 8, costPerImage: [.a: 1, .b: 1.6], margin: 0.1)
        XCTAssertEqual([strict.a, strict.b], [1, 2], "W = 4 is 7.7 % faster than W = 3 (14 % over W = 2): not enough for a 10 % margin")
    }

    /// Equal costs: one worker per core, split evenly (2 cores: 1 + 1; 4 cores: 2 + 2, G = 16).
    func testEqualNetworksGetOneRankPerCore() {
        let two = RankSplit.workers(cores: 2, batchSize: 8, costPerImage: [.a: 1, .b: 1])
        XCTAssertEqual([two.a, two.b, two.globalBatch], [1, 1, 8])
        let four = RankSplit.workers(cores: 4, batchSize: 8, costPerImage: [.a: 1, .b: 1])
        XCTAssertEqual([four.a, four.b, four.globalBatch], [2, 2, 16])
        XCTAssertEqual(four.step, 8)
    }
}
