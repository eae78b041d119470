@testable import Runtime
import Config
import Foundation
import Training
import Transport
import XCTest

/// Who is admitted where: the coordinator admits the replicas, a pair inbox only its peer; an
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
