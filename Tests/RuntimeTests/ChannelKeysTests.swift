@testable import Runtime
import Config
import Foundation
import Training
@testable import Transport
import XCTest

/// Who is admitted where: the coordinator admits the replicas, a pair inbox only its peers; an
/// external coordinator's key file is private to its user and round-trips.
final class ChannelKeysTests: XCTestCase {
    func testAdmissionsFollowTheTopology() throws {
        let topology = JobTopology(k: 2, networks: [.a, .b], coordinatorRank: 0)
        let keys = try (0..<5).map { _ in try CurveKeyPair.generate() }
        let seenBy3 = ChannelKeys(own: keys[3], publicKeys: keys.map(\.publicKey), topology: topology)
        XCTAssertEqual(seenBy3.coordinator, keys[0].publicKey)
        XCTAssertEqual(seenBy3.admittedByCoordinator, Set(keys[1...4].map(\.publicKey)))
        XCTAssertFalse(seenBy3.admittedByCoordinator.contains(keys[0].publicKey), "the coordinator's own key is no replica's")
        XCTAssertEqual(seenBy3.replicas[1], keys[1].publicKey)
        XCTAssertEqual(seenBy3.coordinatorClient, keys[3])
    }

    /// Unequal groups (a 1, b 2): a0's inbox admits both replicas of B (each holds some of its
    /// images), a B replica's inbox only a0; nobody admits its own group or the coordinator.
    func testAnInboxAdmitsEveryReplicaHoldingItsImages() throws {
        let topology = JobTopology(counts: [1, 2], networks: [.a, .b], coordinatorRank: 0)
        let keys = try (0..<4).map { _ in try CurveKeyPair.generate() }
        let channel = { (rank: Int) in ChannelKeys(own: keys[rank], publicKeys: keys.map(\.publicKey), topology: topology) }
        func admitted(at rank: Int, network: NetworkID, groupRank: Int) -> Set<Int> {
            let peers = topology.overlaps(of: network, groupRank: groupRank, batchSize: 2).map(\.peerRank)
            _ = channel(rank).inboxServer(rank: rank, peers: peers)
            return Set((0..<4).filter { ZAPHandler.shared.decide(domain: ChannelKeys.inboxDomain(rank), mechanism: "CURVE", credentials: [keys[$0].publicKey]) })
        }
        XCTAssertEqual(admitted(at: 1, network: .a, groupRank: 0), [2, 3])
        XCTAssertEqual(admitted(at: 2, network: .b, groupRank: 0), [1])
        XCTAssertEqual(admitted(at: 3, network: .b, groupRank: 1), [1])
    }

    func testKeyFileIsPrivateAndRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("colad-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try CurveKeyPair.generate()
        let file = try KeyFile.make(server: server)
        try file.write(in: dir)
        let path = dir.appendingPathComponent(KeyFile.name).path
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o600)
        let back = try KeyFile.read(in: dir, waiting: 1)
        XCTAssertEqual(back.coordinator, server.publicKey)
        XCTAssertEqual(back.worker, file.worker)
        let coordinatorSide = ChannelKeys(externalCoordinator: server, file: file)
        XCTAssertEqual(coordinatorSide.admittedByCoordinator, [file.worker.publicKey])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).contains(server.z85Secret), false, "the coordinator's secret stays in memory")
    }

    func testMissingKeyFileIsNamedWithAHint() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("colad-nokeys-\(UUID().uuidString)")
        XCTAssertThrowsError(try KeyFile.read(in: dir, waiting: 0.2)) {
            XCTAssertTrue("\($0)".contains("channel-keys") && "\($0)".contains("colad coordinator"), "\($0)")
        }
    }
}

/// Leftovers of killed processes are removed by the next start, and only theirs.
final class LeftoversTests: XCTestCase {
    /// A pid that is certainly not running: a child that has exited and been reaped.
    func deadPid() -> Int32 {
        let p = Process(); p.executableURL = URL(fileURLWithPath: "/bin/true"); try? p.run(); p.waitUntilExit()
        return p.processIdentifier
    }

    func testStaleSocketFilesAndTemporariesGoLiveOnesStay() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("colad-leftovers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let dead = deadPid(), live = getpid()
        for name in [".latest.tmp-\(dead)-123", ".latest.tmp-\(live)-456", "latest", "iter_0000002"] {
            FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data("x".utf8))
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("iter_0000002"))
        let iter = dir.appendingPathComponent("iter_0000002")
        try FileManager.default.createDirectory(at: iter, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: iter.appendingPathComponent(".network-a.safetensors.tmp-\(dead)-9").path, contents: nil)
        Checkpoint.removeStaleTemporaries(in: dir)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), [".latest.tmp-\(live)-456", "latest", "iter_0000002"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: iter.path), [], "a weights file cut short goes too")

        let tmp = NSTemporaryDirectory()
        let stale = tmp + "colad-\(dead)-inbox.sock", mine = tmp + "colad-\(live)-test-inbox.sock"
        for p in [stale, mine] { FileManager.default.createFile(atPath: p, contents: nil) }
        defer { unlink(mine) }
        SocketFiles.removeStale()
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale), "a dead process's socket file is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: mine), "a live process's is not")
    }

    /// Pruning keeps the newest complete checkpoints and removes incomplete ones older than `latest`.
    func testPruneCountsCompleteCheckpointsOnly() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("colad-prune-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for (i, complete) in [(1, true), (2, false), (3, true), (4, true), (5, false)] {
            let d = root.appendingPathComponent(Checkpoint.directoryName(i))
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            if complete { FileManager.default.createFile(atPath: d.appendingPathComponent("manifest.json").path, contents: Data("{}".utf8)) }
        }
        try Data("iter_0000004\n".utf8).write(to: root.appendingPathComponent("latest"))
        Checkpoint.prune(root, keep: 2)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: root.path)), ["latest", "iter_0000003", "iter_0000004", "iter_0000005"],
                       "1 goes (beyond the 2 newest complete), 2 goes (incomplete, older than latest), 5 stays (being written)")
    }
}
