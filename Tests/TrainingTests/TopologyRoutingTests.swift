@testable import Training
import Config
import XCTest

/// Routing by image ranges (JobTopology.overlaps): every image of the global batch is held by
/// exactly one replica per group, and what one replica sends another lands on the same images.
final class TopologyRoutingTests: XCTestCase {
    func topology(_ a: Int, _ b: Int) -> JobTopology { JobTopology(counts: [a, b], networks: [.a, .b], coordinatorRank: 0) }

    /// For each group: the replicas' image ranges tile the global batch; each replica's overlaps
    /// tile its own images in order; and the peer's overlap names the same images back.
    func checkRouting(_ a: Int, _ b: Int, batchSize: Int, file: StaticString = #filePath, line: UInt = #line) {
        let t = topology(a, b), g = t.globalBatch(batchSize: batchSize)
        XCTAssertEqual(g, batchSize * max(a, b), file: file, line: line)
        for (n, other) in [(NetworkID.a, NetworkID.b), (.b, .a)] {
            var held: [Int] = []
            for r in 0..<t.count(of: n) {
                let own = t.images(of: n, groupRank: r, batchSize: batchSize)
                held += Array(own)
                let routes = t.overlaps(of: n, groupRank: r, batchSize: batchSize)
                XCTAssertEqual(routes.flatMap { Array($0.mine) }, Array(0..<own.count), "\(n) \(r): overlaps tile its images", file: file, line: line)
                for o in routes {
                    XCTAssertEqual(o.mine.count, o.theirs.count, file: file, line: line)
                    XCTAssertEqual(t.role(of: o.peerRank), .worker(network: other, groupRank: o.peerGroupRank), file: file, line: line)
                    let back = t.overlaps(of: other, groupRank: o.peerGroupRank, batchSize: batchSize)
                        .filter { $0.peerRank == t.rank(of: n, groupRank: r) }
                    XCTAssertEqual(back, [.init(peerRank: t.rank(of: n, groupRank: r), peerGroupRank: r, mine: o.theirs, theirs: o.mine)],
                                   "\(n) \(r) ↔ \(other) \(o.peerGroupRank)", file: file, line: line)
                    let theirImages = t.images(of: other, groupRank: o.peerGroupRank, batchSize: batchSize)
                    XCTAssertEqual(o.mine.map { $0 + own.lowerBound }, o.theirs.map { $0 + theirImages.lowerBound }, "same global images", file: file, line: line)
                }
            }
            XCTAssertEqual(held, Array(0..<g), "\(n): every image exactly once", file: file, line: line)
        }
    }

    func testRoutingCoversEveryImageOnceBothWays() {
        checkRouting(1, 3, batchSize: 2)
        checkRouting(3, 1, batchSize: 2)
        checkRouting(2, 4, batchSize: 3)
        checkRouting(2, 2, batchSize: 4)
        checkRouting(2, 3, batchSize: 2)   // overlaps that straddle: a0 holds 0..<3, b1 holds 2..<4
    }

    func testRanksAndRoutesOfOneToThree() {
        let t = topology(1, 3)
        XCTAssertEqual(t.workerRanks, [1, 2, 3, 4])
        XCTAssertEqual(t.ranks(of: .a), [1]); XCTAssertEqual(t.ranks(of: .b), [2, 3, 4])
        XCTAssertEqual(t.role(of: 3), .worker(network: .b, groupRank: 1))
        XCTAssertNil(t.peer(of: .a, groupRank: 0), "no fixed pair peer with unequal groups")
        XCTAssertEqual(t.batchPerRank(of: .a, batchSize: 2), 6); XCTAssertEqual(t.batchPerRank(of: .b, batchSize: 2), 2)
        XCTAssertEqual(t.overlaps(of: .a, groupRank: 0, batchSize: 2), [
            .init(peerRank: 2, peerGroupRank: 0, mine: 0..<2, theirs: 0..<2),
            .init(peerRank: 3, peerGroupRank: 1, mine: 2..<4, theirs: 0..<2),
            .init(peerRank: 4, peerGroupRank: 2, mine: 4..<6, theirs: 0..<2),
        ])
        XCTAssertEqual(t.overlaps(of: .b, groupRank: 2, batchSize: 2), [.init(peerRank: 1, peerGroupRank: 0, mine: 0..<2, theirs: 4..<6)])
    }

    /// Equal groups route exactly as fixed pairs did: one overlap, the pair peer, all images.
    func testEqualGroupsAreFixedPairs() {
        let t = JobTopology(k: 2, networks: [.a, .b], coordinatorRank: 0)
        for g in 0..<2 {
            XCTAssertEqual(t.overlaps(of: .a, groupRank: g, batchSize: 3), [.init(peerRank: t.peer(of: .a, groupRank: g)!, peerGroupRank: g, mine: 0..<3, theirs: 0..<3)])
        }
        XCTAssertEqual(t.overlaps(of: .a, groupRank: 0, batchSize: 3).count, 1)
        XCTAssertTrue(JobTopology(k: 2, networks: [.a], coordinatorRank: 0).overlaps(of: .a, groupRank: 0, batchSize: 3).isEmpty)
    }

    func testConfiguredCountsAndTheirErrors() throws {
        var c = TrainingConfig(name: "t", mode: .colad, networkA: NetworkConfig.preset("tiny")!, networkB: NetworkConfig.preset("tiny")!, iterations: 1)
        c.train.batchSize = 2
        c.distributed.ranksA = 1; c.distributed.ranksB = 3
        XCTAssertEqual(try JobTopology(worldSize: 5, config: c).counts, [1, 3])
        c.distributed.ranksB = nil
        XCTAssertEqual(try JobTopology(worldSize: 5, config: c).counts, [1, 3], "ranks_b: the rest of the workers")
        func message(_ world: Int, _ c: TrainingConfig) -> String {
            do { _ = try JobTopology(worldSize: world, config: c); return "" } catch { return "\(error)" }
        }
        c.distributed.ranksB = 3
        XCTAssertTrue(message(4, c).contains("distributed.ranks_a") && message(4, c).contains("-np 5"), message(4, c))
        c.distributed.ranksA = 2
        c.train.batchSize = 1   // G = 3: 2 ranks cannot share it
        let m = message(6, c)
        XCTAssertTrue(m.contains("distributed.ranks_a") && m.contains("global batch of 3") && m.contains("train.batch_size"), m)
        c.distributed.ranksPerNetwork = 2
        XCTAssertTrue(message(6, c).contains("ranks_per_network"), message(6, c))
        var base = TrainingConfig(name: "t", mode: .baseline, networkA: NetworkConfig.preset("tiny")!, networkB: nil, iterations: 1)
        base.distributed.ranksB = 1
        XCTAssertTrue(message(3, base).contains("two networks"), message(3, base))
    }
}
