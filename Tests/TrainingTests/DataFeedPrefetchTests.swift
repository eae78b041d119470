// DataFeed's prefetch: the batch of the next position is prepared on a thread of its own while
// the step computes; what comes out is the same as without it, in order or after a jump.
import Config
import Datasets
import Foundation
import Training
import XCTest

final class DataFeedPrefetchTests: XCTestCase {
    func testPrefetchedBatchesEqualDirectOnes() throws {
        let c = miniConfig(.baseline)
        let data = try openDataset(c.data, split: .train)
        let plain = try DataFeed(dataset: data, config: c)
        let ahead = try DataFeed(dataset: data, config: c, prefetch: true)
        var positions: [SamplerPosition] = []
        var p = SamplerPosition()
        for _ in 0..<15 { positions.append(p); p = plain.sampler.position(after: p) }   // crosses an epoch (12 per epoch)
        positions += [SamplerPosition(epoch: 3, iteration: 5), SamplerPosition(epoch: 3, iteration: 6), SamplerPosition()]   // jumps
        for q in positions {
            let a = try plain.batch(at: q), b = try ahead.batch(at: q)
            XCTAssertEqual(a.images, b.images, "\(q)")
            XCTAssertEqual(a.boxes, b.boxes, "\(q)")
            XCTAssertEqual(a.imageIds, b.imageIds, "\(q)")
            XCTAssertEqual(a.flipped, b.flipped, "\(q)")
        }
    }

    /// A failure while prefetching surfaces when that batch is asked for, naming the image.
    func testPrefetchErrorsReachTheCaller() throws {
        let c = miniConfig(.baseline)
        let feed = try DataFeed(dataset: FailsAfter(limit: 2, base: try openDataset(c.data, split: .train)), config: c, prefetch: true)
        let first = SamplerPosition()
        XCTAssertNoThrow(try feed.batch(at: first))
        XCTAssertThrowsError(try feed.batch(at: feed.sampler.position(after: first))) { error in
            XCTAssertTrue("\(error)".contains("image"), "\(error)")
        }
    }
}

/// Loads its first `limit` requests, then fails naming the index.
private final class FailsAfter: DetectionDataset, @unchecked Sendable {
    let limit: Int, base: any DetectionDataset
    private var served = 0
    private let lock = NSLock()
    init(limit: Int, base: any DetectionDataset) { self.limit = limit; self.base = base }
    var count: Int { base.count }
    var classNames: [String] { base.classNames }
    func load(_ index: Int) throws -> Sample {
        lock.lock(); served += 1; let n = served; lock.unlock()
        guard n <= limit else { throw DatasetError(file: "test", value: "image \(index)", message: "unreadable image") }
        return try base.load(index)
    }
}
