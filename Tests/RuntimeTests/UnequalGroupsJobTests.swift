@testable import Runtime
import Config
import Engine
import Foundation
import Training
import Transport
import XCTest

/// Unequal rank counts per network (routing by image ranges), on threads of this process over
/// the in-memory transport: the distributed code with k_A ≠ k_B must equal the single-process
/// Trainer at the same global batch G = train.batch_size × max(k_A, k_B).
///
/// Tolerance: 1e-5 relative on every loss part and statistic, integers (positives, teacher,
/// images) exact — the one of the equal k = 2 test. A group of k ranks runs the same math on a
/// batch of G/k images, sums its normalisers and gradients over ranks, and adds the
/// coordinator's statistics rank by rank: only the float summation order differs (measured
/// below ~1e-7 relative; the figures are printed by the test). Two iterations, as there: from
/// the third on, a last-bit difference can move one anchor across the GMM's boundary.
final class UnequalGroupsJobTests: XCTestCase {
    typealias Helpers = InMemoryJobTests
    var dirs: [URL] = []
    override func tearDown() { for d in dirs { try? FileManager.default.removeItem(at: d) } }
    func tempDir() -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("colad-unequal-\(UUID().uuidString)")
        dirs.append(d)
        return d
    }

    /// Tiny networks at 64×64, no evaluation or checkpoint inside the two iterations.
    func config(_ mode: Mode, batch: Int, iterations: Int = 2) -> TrainingConfig {
        Helpers.jobConfig("unequal", mode, iterations: iterations, batch: batch, evalEvery: 1000, checkpointEvery: 1000)
    }

    func runJob(_ c: TrainingConfig, counts: [Int], workDir: URL) throws -> Helpers.JobResult {
        try Helpers.runJob(c, counts: counts, workDir: workDir)
    }

    func records(_ d: URL) throws -> [[String: Any]] {
        try String(contentsOf: d.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }.filter { $0["eval"] == nil }
    }

    /// Every leaf of a record: numbers and strings by dotted path (timings left out).
    func leaves(_ o: Any, _ path: String = "") -> [String: Any] {
        if let d = o as? [String: Any] {
            return d.reduce(into: [:]) { out, kv in
                guard !["time", "wall_time", "images_per_s", "rss_mb", "times", "step_s", "data_s"].contains(kv.key) else { return }
                out.merge(leaves(kv.value, path.isEmpty ? kv.key : "\(path).\(kv.key)")) { a, _ in a }
            }
        }
        if let a = o as? [Any] { return a.enumerated().reduce(into: [:]) { out, e in out.merge(leaves(e.element, "\(path)[\(e.offset)]")) { x, _ in x } } }
        return [path: o]
    }

    /// The Trainer at batch G and the unequal job with `counts`: same records, to `rtol`.
    /// Returns the largest relative difference seen.
    @discardableResult
    func checkParity(_ c: TrainingConfig, counts: [Int], rtol: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        if let why = BLASKernels.offTarget { XCTFail(why, file: file, line: line); return .infinity }
        var single = c
        single.train.batchSize = c.train.batchSize * counts.max()!
        let name = "\(c.mode.rawValue)/\(c.colad.granularity.rawValue) ranks \(counts)"
        let reference = tempDir()
        try Trainer(config: single, workDir: reference, log: { _ in }).run(resume: false)
        let dir = tempDir()
        let r = try runJob(c, counts: counts, workDir: dir)
        XCTAssertNil(r.coordinatorError, name, file: file, line: line)
        XCTAssertTrue(r.replicaErrors.isEmpty, "\(name): \(r.replicaErrors)", file: file, line: line)
        let expected = try records(reference), got = try records(dir)
        XCTAssertEqual(got.count, c.train.iterations, name, file: file, line: line)
        var worst = 0.0
        for (e, g) in zip(expected, got) {
            let x = leaves(e), y = leaves(g)
            XCTAssertEqual(Set(x.keys), Set(y.keys), name, file: file, line: line)
            for (key, ex) in x {
                let at = "\(name): \(key) at iteration \(e["iteration"] ?? "?")"
                if let en = ex as? NSNumber, let gn = y[key] as? NSNumber, !(ex is String) {
                    let a = en.doubleValue, b = gn.doubleValue
                    if a == a.rounded() && b == b.rounded() && abs(a) < 1e6 && !key.hasSuffix("lr") && !isLoss(key) {
                        XCTAssertEqual(b, a, at, file: file, line: line)   // counts: exact
                    } else {
                        let rel = abs(a - b) / max(abs(a), 1e-12)
                        worst = max(worst, rel)
                        XCTAssertLessThanOrEqual(rel, rtol, "\(at): \(b) vs \(a)", file: file, line: line)
                    }
                } else {
                    XCTAssertEqual("\(y[key] ?? "missing")", "\(ex)", at, file: file, line: line)
                }
            }
        }
        print("parity \(name): largest relative difference \(worst)")

        return worst
    }

    func isLoss(_ key: String) -> Bool { ["cls", "box", "iou", "loss", "kd_cls", "kd_iou", "kd_box", "mean", "std"].contains { key.hasSuffix($0) } }

    func testCoLADPerIterationOneAgainstTwoBothWays() throws {
        try checkParity(config(.colad, batch: 2), counts: [1, 2])
        try checkParity(config(.colad, batch: 2), counts: [2, 1])
    }

    func testCoLADPerObjectOneAgainstTwoBothWays() throws {
        var c = config(.colad, batch: 2); c.colad.granularity = .object
        try checkParity(c, counts: [1, 2])
        try checkParity(c, counts: [2, 1])
    }

    /// Two against three, G = 6: A's ranks hold 3 images, B's 2, so a0's images are b0's and
    /// the first of b1's, a1's the second of b1's and b2's (messages cut mid-batch both ways).
    func testCoLADPerObjectTwoAgainstThree() throws {
        var c = config(.colad, batch: 2); c.colad.granularity = .object
        try checkParity(c, counts: [2, 3])
    }

    /// Soft labels only: the frozen teacher A's predictions, cut by image.
    func testSoftOneAgainstTwo() throws {
        let teacherDir = tempDir()
        try Trainer(config: config(.baseline, batch: 2, iterations: 2), workDir: teacherDir, log: { _ in }).run(resume: false)
        var c = config(.soft, batch: 2)
        c.networkA.checkpoint = teacherDir.appendingPathComponent("checkpoints/iter_0000002/network-a.safetensors").path
        try checkParity(c, counts: [1, 2])
    }

    /// SoLAD: the frozen teacher A sends its costs' assignment and its predictions, cut by image.
    func testSoLADOneAgainstTwoBothWays() throws {
        let teacherDir = tempDir()
        try Trainer(config: config(.baseline, batch: 2, iterations: 2), workDir: teacherDir, log: { _ in }).run(resume: false)
        var c = config(.solad, batch: 2)
        c.networkA.checkpoint = teacherDir.appendingPathComponent("checkpoints/iter_0000002/network-a.safetensors").path
        try checkParity(c, counts: [1, 2])
        try checkParity(c, counts: [2, 1])
    }
}
