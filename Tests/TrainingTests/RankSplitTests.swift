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
}
