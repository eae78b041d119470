// DataFeed's prefetch: the batch of the next position is prepared on a thread of its own (idle
// scheduling class) while the step computes, and the step's thread decodes what is left when it
// asks; what comes out is the same as without it, in order or after a jump.
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

extension DataFeedPrefetchTests {
    /// Asked for at once, a prefetched batch is decoded by both threads: the prefetch thread's
    /// images and the caller's, each image once, and the batch equals the direct one.
    func testTheCallerDecodesBesideThePrefetchThread() throws {
        var c = miniConfig(.baseline)
        c.train.batchSize = 8
        let base = try openDataset(c.data, split: .train)
        let slow = SlowRecording(base: base, seconds: 0.02)
        let feed = try DataFeed(dataset: slow, config: c, prefetch: true)
        let plain = try DataFeed(dataset: base, config: c)
        let first = SamplerPosition(), next = feed.sampler.position(after: first)
        _ = try feed.batch(at: first)   // decoded by the caller alone (nothing was prefetched)
        let b = try feed.batch(at: next)
        let mine = Set(b.imageIds.map { $0 - 1 })
        let loads = slow.loads().filter { mine.contains($0.index) }   // an epoch's batches are disjoint
        XCTAssertEqual(b.images, try plain.batch(at: next).images)
        XCTAssertEqual(loads.map(\.index).sorted(), b.imageIds.map { $0 - 1 }.sorted(), "each image of the batch decoded once")
        XCTAssertEqual(Set(loads.map(\.thread)).count, 2, "both the prefetch thread and the caller decoded: \(loads)")
    }
}

extension DataFeedPrefetchTests {
    /// A feed with a batch pending is freed when its owner lets go (the pending work holds the
    /// dataset, not the feed), and its prefetch thread ends.
    func testAFeedWithAPendingBatchIsFreed() throws {
        let c = miniConfig(.baseline)
        var feed: DataFeed? = try DataFeed(dataset: try openDataset(c.data, split: .train), config: c, prefetch: true)
        _ = try feed!.batch(at: SamplerPosition())   // starts the next batch
        weak let freed = feed
        feed = nil
        XCTAssertNil(freed, "a pending batch kept its feed alive")
    }
}

/// Sleeps `seconds` per load and records which thread loaded which index.
private final class SlowRecording: DetectionDataset, @unchecked Sendable {
    let base: any DetectionDataset, seconds: Double
    private var log: [(index: Int, thread: String)] = []
    private let lock = NSLock()
    init(base: any DetectionDataset, seconds: Double) { self.base = base; self.seconds = seconds }
    var count: Int { base.count }
    var classNames: [String] { base.classNames }
    func loads() -> [(index: Int, thread: String)] { lock.lock(); defer { lock.unlock() }; return log }
    func load(_ index: Int) throws -> Sample {
        Thread.sleep(forTimeInterval: seconds)
        let me = "\(Unmanaged.passUnretained(Thread.current).toOpaque())"
        lock.lock(); log.append((index, me)); lock.unlock()
        return try base.load(index)
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
