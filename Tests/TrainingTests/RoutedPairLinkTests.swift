@testable import Training
import Config
import PAA
import XCTest

/// RoutedPairLink over mailboxes (no sockets): each peer gets the images it holds, and a
/// receiver gets its peers' pieces joined in its own image order.
final class RoutedPairLinkTests: XCTestCase {
    /// Mailboxes by (receiver, sender): what `rank` sent, and to whom.
    final class Post {
        var boxes: [Int: [Int: [PairMessage.Kind: PairMessage]]] = [:]
        func end(_ rank: Int) -> End { End(self, rank) }

        final class End: PeerChannels {
            let post: Post, rank: Int
            init(_ post: Post, _ rank: Int) { self.post = post; self.rank = rank }
            func send(_ message: PairMessage, iteration: Int, to peer: Int) throws { post.boxes[peer, default: [:]][rank, default: [:]][message.kind] = message }
            func receive(_ kind: PairMessage.Kind, iteration t: Int, from peer: Int) throws -> PairMessage {
                guard let m = post.boxes[rank]?[peer]?[kind] else { throw TrainingError("rank \(rank): nothing from \(peer)") }
                post.boxes[rank]![peer]![kind] = nil
                return m
            }
            func drain(before t: Int) {}
            var rejected: [String: Int] { [:] }
        }
    }

    /// Costs tagged with their global image index (image i has the one cost Float(i)).
    func costs(_ range: Range<Int>) -> PairMessage { .costs(range.map { [Float($0)] }) }
    func images(_ m: PairMessage) -> [Float] { if case .costs(let c) = m { return c.map { $0[0] } }; return [] }

    /// Network A with 2 ranks and B with 3 (batch 2: G = 6): every replica sends its images'
    /// costs, every replica receives the other group's costs of exactly its own images.
    func testTwoAgainstThreeBothWays() throws {
        let topology = JobTopology(counts: [2, 3], networks: [.a, .b], coordinatorRank: 0)
        let post = Post()
        var links: [(NetworkID, Int, Range<Int>, PairLink)] = []
        for n in [NetworkID.a, .b] {
            for g in 0..<topology.count(of: n) {
                let rank = topology.rank(of: n, groupRank: g)
                links.append((n, g, topology.images(of: n, groupRank: g, batchSize: 2),
                              RoutedPairLink(channels: post.end(rank), routes: topology.overlaps(of: n, groupRank: g, batchSize: 2))))
            }
        }
        for (_, _, own, link) in links { try link.send(costs(own), iteration: 0) }
        XCTAssertEqual(images(post.boxes[4]![1]![.costs]!), [2], "b1 (rank 4, images 2..<4) gets image 2 from a0 (rank 1, 0..<3)")
        for (n, g, own, link) in links {
            XCTAssertEqual(images(try link.receive(.costs, iteration: 0)), own.map(Float.init), "\(n) \(g)")
        }
        XCTAssertTrue(post.boxes.values.allSatisfy { $0.values.allSatisfy(\.isEmpty) }, "every piece taken once")
    }

    /// A piece with the wrong number of images names its sender.
    func testAPieceOfTheWrongSizeIsRefused() throws {
        let topology = JobTopology(counts: [1, 2], networks: [.a, .b], coordinatorRank: 0)
        let post = Post()
        let a0 = RoutedPairLink(channels: post.end(1), routes: topology.overlaps(of: .a, groupRank: 0, batchSize: 2))
        try post.end(2).send(costs(0..<2), iteration: 0, to: 1)
        try post.end(3).send(costs(2..<5), iteration: 0, to: 1)   // one image too many
        XCTAssertThrowsError(try a0.receive(.costs, iteration: 0)) { e in
            XCTAssertTrue("\(e)".contains("rank 3") && "\(e)".contains("3 images"), "\(e)")
        }
    }
}
