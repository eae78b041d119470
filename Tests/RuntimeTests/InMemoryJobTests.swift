@testable import Runtime
import Config
import Engine
import Foundation
import Training
import Transport
import XCTest

/// The distributed runtime's own code — the coordinator's loop, the replicas' socket links,
/// framing, routing, heartbeats and liveness — on threads of this process over the in-memory
/// transport: no mpirun, no sockets. The job must equal the single-process Trainer.
final class InMemoryJobTests: XCTestCase {
    var dirs: [URL] = []
    override func tearDown() { for d in dirs { try? FileManager.default.removeItem(at: d) } }
    func tempDir() -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("colad-memjob-\(UUID().uuidString)")
        dirs.append(d)
        return d
    }

    /// Tiny networks at 64×64 on 24 images, short deadlines: the in-memory jobs' config (this
    /// file's and UnequalGroupsJobTests').
    static func jobConfig(_ name: String, _ mode: Mode, iterations: Int, batch: Int, evalEvery: Int, checkpointEvery: Int) -> TrainingConfig {
        let tiny = NetworkConfig.preset("tiny")!
        var c = TrainingConfig(name: name, mode: mode, networkA: tiny, networkB: mode == .baseline ? nil : tiny, iterations: iterations)
        c.data.imageSize = 64; c.data.trainSize = 24; c.data.valSize = 4
        c.train.batchSize = batch; c.train.warmupIters = 1; c.train.lrSteps = [3]; c.train.logEvery = 1000
        c.train.evalEvery = evalEvery; c.train.checkpointEvery = checkpointEvery; c.train.keepCheckpoints = nil
        c.distributed.timeoutSeconds = 20; c.distributed.heartbeatSeconds = 0.5
        return c
    }

    /// Batch 2, a checkpoint after 2 iterations and an evaluation after 3.
    func config(_ mode: Mode, iterations: Int = 4, batch: Int = 2) -> TrainingConfig {
        Self.jobConfig("memjob", mode, iterations: iterations, batch: batch, evalEvery: 3, checkpointEvery: 2)
    }

    /// Sums over the threads of one network's group, in group-rank order (MPI_Allreduce's stand-in).
    final class ThreadGroup: @unchecked Sendable {
        let size: Int
        let condition = NSCondition()
        var generation = 0, arrived = 0
        var parts: [[Double]] = []
        var result: [Double] = []
        init(size: Int) { self.size = size; parts = Array(repeating: [], count: size) }

        func allReduce(_ rank: Int, _ values: [Double]) -> [Double] {
            condition.lock(); defer { condition.unlock() }
            let mine = generation
            parts[rank] = values; arrived += 1
            if arrived == size {
                result = parts.dropFirst().reduce(parts[0]) { zip($0, $1).map(+) }
                arrived = 0; generation += 1; condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
            return result
        }

        final class Member: GroupReducer {
            let group: ThreadGroup, rank: Int
            init(_ group: ThreadGroup, _ rank: Int) { self.group = group; self.rank = rank }
            var size: Int { group.size }
            func sum(_ values: [Double]) throws -> [Double] { group.allReduce(rank, values) }
            func sum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
                let s = group.allReduce(rank, buffer.map(Double.init))
                for i in buffer.indices { buffer[i] = Float(s[i]) }
            }
        }
    }

    struct JobResult {
        var coordinatorError: Error?
        var replicaErrors: [Error] = []
    }

    /// A value shared with the job's threads.
    final class Shared<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var value: T
        init(_ value: T) { self.value = value }
        func update(_ change: (inout T) -> Void) { lock.lock(); change(&value); lock.unlock() }
        var get: T { lock.lock(); defer { lock.unlock() }; return value }
    }

    /// The coordinator and every replica on its own thread, `k` replicas per network; `during`
    /// runs on the test thread once the coordinator is bound. Bounded: fails the test after 120 s.
    func runJob(_ c: TrainingConfig, k: Int = 1, workDir: URL, transport: MemoryTransport = MemoryTransport(),
                during: (Coordinator) throws -> Void = { _ in }) throws -> JobResult {
        try Self.runJob(c, counts: ModePlan(c).networks.map { _ in k }, workDir: workDir, transport: transport, during: during)
    }

    /// The same with a replica count per network (the job's networks in order); each replica
    /// is given every other inbox and reaches the ones holding its images (routing by ranges).
    static func runJob(_ c: TrainingConfig, counts: [Int], workDir: URL, transport: MemoryTransport = MemoryTransport(),
                       during: (Coordinator) throws -> Void = { _ in }) throws -> JobResult {
        let topology = JobTopology(counts: counts, networks: ModePlan(c).networks, coordinatorRank: 0)
        let coordinator = try Coordinator(.init(config: c, workDir: workDir, topology: topology, resume: false, stopAfter: nil,
                                                workerBind: "mem://coordinator", transport: transport, keys: nil, log: { _ in }))
        var sockets: [Int: MessageSocket] = [:], endpoints: [Int: String] = [:]
        for r in topology.workerRanks {
            let s = try transport.socket(.router, options: SocketOptions())
            sockets[r] = s; endpoints[r] = try s.bind("mem://inbox-\(r)")
        }
        let inboxes = sockets, peerEndpoints = endpoints
        let groups = Dictionary(uniqueKeysWithValues: topology.networks.map { ($0, ThreadGroup(size: topology.count(of: $0))) })
        let result = Shared(JobResult())
        let done = DispatchGroup()
        done.enter()
        Thread { do { try coordinator.run() } catch { result.update { $0.coordinatorError = error } }; done.leave() }.start()
        for r in topology.workerRanks {
            guard case .worker(let n, let g) = topology.role(of: r) else { continue }
            let settings = LinkSettings(transport: transport, timeoutSeconds: c.distributed.timeoutSeconds, heartbeatSeconds: c.distributed.heartbeatSeconds,
                                        startupSeconds: 30, maxPayload: c.distributed.maxMessageBytes, rank: r, host: "mem")
            let group: GroupReducer? = topology.count(of: n) > 1 ? ThreadGroup.Member(groups[n]!, g) : nil
            done.enter()
            Thread {
                do {
                    try DistributedJob.runReplica(config: c, workDir: workDir, topology: topology, placement: .init(network: n, groupRank: g, rank: r),
                                                  settings: settings, coordinatorEndpoint: coordinator.workerEndpoint, inbox: inboxes[r]!,
                                                  inboxEndpoint: peerEndpoints[r]!, peerEndpoints: peerEndpoints, group: group,
                                                  hooks: .init(), log: { _ in })
                } catch { result.update { $0.replicaErrors.append(error) } }
                done.leave()
            }.start()
        }
        try during(coordinator)
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success, "the in-memory job did not end")
        return result.get
    }

    /// metrics.jsonl without the timing fields, line by line.
    func lines(_ dir: URL) throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            var o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for key in ["time", "wall_time", "images_per_s", "rss_mb"] { o[key] = nil }
            return String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    func trainer(_ c: TrainingConfig, _ dir: URL) throws -> URL {
        try Trainer(config: c, workDir: dir, log: { _ in }).run(resume: false)
        return dir
    }

    func assertSameCheckpoints(_ a: URL, _ b: URL, iteration: Int, networks: [NetworkID], file: StaticString = #filePath, line: UInt = #line) throws {
        for n in networks {
            let name = "checkpoints/\(Checkpoint.directoryName(iteration))/network-\(n.rawValue).safetensors"
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(name)), try Data(contentsOf: b.appendingPathComponent(name)),
                           "\(name) differs", file: file, line: line)
        }
    }

    /// One replica per network: every iteration's losses, decisions, evaluations and the
    /// checkpointed weights equal the Trainer's bit for bit (CoLAD at both granularities, and
    /// SoLAD, whose student also receives the teacher's predictions).
    func testJobEqualsTheTrainerBitForBit() throws {
        let teacherDir = try trainer(config(.baseline, iterations: 2), tempDir())
        let teacher = teacherDir.appendingPathComponent("checkpoints/iter_0000002/network-a.safetensors").path
        var object = config(.colad); object.colad.granularity = .object
        var solad = config(.solad); solad.networkA.checkpoint = teacher
        for c in [config(.colad), object, solad] {
            let name = "\(c.mode.rawValue)/\(c.colad.granularity.rawValue)"
            let reference = try trainer(c, tempDir())
            let dir = tempDir()
            let r = try runJob(c, workDir: dir)
            XCTAssertNil(r.coordinatorError, name); XCTAssertTrue(r.replicaErrors.isEmpty, "\(name): \(r.replicaErrors)")
            let expected = try lines(reference), got = try lines(dir)
            XCTAssertEqual(expected.count, 4 + 2 * c.eval.network.ids.count, name)   // after iterations 3 and 4
            XCTAssertEqual(got, expected, name)
            try assertSameCheckpoints(reference, dir, iteration: 4, networks: ModePlan(c).trainedNetworks)
        }
    }

    /// Two replicas per network (threads summing like MPI_Allreduce) match the Trainer at twice
    /// the batch to float summation order (measured ~1e-8 relative). Two iterations: from the
    /// third on, a last-bit difference can move one anchor across the GMM's boundary (the same
    /// happens under mpirun with this config: 31 vs 32 positives at iteration 2).
    func testTwoReplicasPerNetworkMatchTheTrainerAtTwiceTheBatch() throws {
        if let why = BLASKernels.offTarget { return XCTFail(why) }
        let reference = try trainer(config(.colad, iterations: 2, batch: 4), tempDir())
        let dir = tempDir()
        let r = try runJob(config(.colad, iterations: 2, batch: 2), k: 2, workDir: dir)
        XCTAssertNil(r.coordinatorError); XCTAssertTrue(r.replicaErrors.isEmpty, "\(r.replicaErrors)")
        func records(_ d: URL) throws -> [[String: Any]] {
            try String(contentsOf: d.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }.filter { $0["eval"] == nil }
        }
        let expected = try records(reference), got = try records(dir)
        XCTAssertEqual(got.count, 2)
        for (e, g) in zip(expected, got) {
            XCTAssertEqual(e["teacher"] as? String, g["teacher"] as? String)
            for n in ["a", "b"] {
                let en = e[n] as! [String: Any], gn = g[n] as! [String: Any]
                XCTAssertEqual(en["num_pos"] as? Int, gn["num_pos"] as? Int)
                for k in ["cls", "box", "iou"] {
                    let x = en[k] as! Double, y = gn[k] as! Double
                    XCTAssertEqual(y, x, accuracy: 1e-5 * abs(x), "\(n).\(k) at iteration \(e["iteration"]!)")
                }
            }
        }
    }

    /// Strangers on the job's channels — a second hello for a live rank, statistics from a
    /// socket that never said hello, garbage, another job's frames and a stranger's frames at a
    /// pair inbox — are counted and dropped; the job's numbers do not move. (A well-formed frame
    /// forged with the job id and the peer's rank is not caught: that needs authenticated
    /// channels.)
    func testIntrudersAreCountedAndChangeNothing() throws {
        let c = config(.colad, iterations: 6)
        let reference = try trainer(c, tempDir())
        let transport = MemoryTransport()
        let dir = tempDir()
        var seen: [String: Any] = [:]
        let r = try runJob(c, workDir: dir, transport: transport) { coordinator in
            func status() -> [String: Any]? { try? StatusClient.request(endpoint: coordinator.statusEndpoint, timeout: 1, transport: transport) }
            // Wait (bounded) until the job runs, then intrude.
            let deadline = Date().addingTimeInterval(30)
            var s: [String: Any] = [:]
            while Date() < deadline, let now = status() { s = now; if s["phase"] as? String != "starting" { break }; Thread.sleep(forTimeInterval: 0.01) }
            XCTAssertEqual(s["phase"] as? String, "running")
            guard let id = s["job_id"] as? String, let job = UInt64(id, radix: 16) else { return XCTFail("no job id: \(s)") }
            var o = SocketOptions(); o.identity = Array("evil".utf8)
            let evil = try transport.socket(.dealer, options: o)
            try evil.connect(coordinator.workerEndpoint)
            let hello = Hello(network: .a, groupRank: 0, host: "impostor", pid: 1, inbox: "")
            try evil.send([Frame(type: MessageKind.hello.rawValue, jobId: 0, iteration: 0, sender: 1, payload: hello.encode()).encoded()])
            try evil.send([Frame(type: MessageKind.stats.rawValue, jobId: job, iteration: 1, sender: 1, payload: Stats().encode()).encoded()])
            let intruder = try transport.socket(.dealer, options: SocketOptions())
            try intruder.connect("mem://inbox-2")
            try intruder.send([[1, 2, 3]])
            try intruder.send([Frame(type: MessageKind.assignment.rawValue, jobId: job ^ 1, iteration: 0, sender: 1, payload: []).encoded()])
            try intruder.send([Frame(type: MessageKind.assignment.rawValue, jobId: job, iteration: 0, sender: 7, payload: []).encoded()])
            while Date() < deadline, let now = status() {
                seen = now
                let bySocket = (now["rejected_messages"] as? [String: Any])?["by_socket"] as? [String: Int] ?? [:]
                if bySocket["coordinator"] == 2 && bySocket["rank 2 pair inbox"] == 3 || now["phase"] as? String == "finished" { break }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        XCTAssertNil(r.coordinatorError); XCTAssertTrue(r.replicaErrors.isEmpty, "\(r.replicaErrors)")
        XCTAssertEqual(try lines(dir), try lines(reference))
        let rejected = try XCTUnwrap(seen["rejected_messages"] as? [String: Any])
        XCTAssertEqual(rejected["by_socket"] as? [String: Int], ["coordinator": 2, "status": 0, "rank 1 pair inbox": 0, "rank 2 pair inbox": 3], "\(rejected)")
        let byKind = try XCTUnwrap(rejected["by_kind"] as? [String: Int])
        XCTAssertEqual(Set(byKind.keys), Set(FrameRejection.allCases.map(\.rawValue)), "every kind is listed")
        XCTAssertEqual(byKind.filter { $0.value > 0 }, ["unexpected": 3, "truncated": 1, "wrong_job": 1], "\(rejected)")
        let ranks = try XCTUnwrap(seen["ranks"] as? [[String: Any]])
        XCTAssertEqual(ranks.first?["host"] as? String, "mem", "the impostor did not replace rank 1")
    }

    /// A replica that stops after its statistics (alive: its heartbeats go on) holds back the
    /// iteration's record; after timeout_seconds the coordinator ends the job naming it.
    func testAStalledReplicaIsNamedAndItsIterationNotRecorded() throws {
        var c = config(.colad, iterations: 4)
        c.distributed.timeoutSeconds = 1
        let transport = MemoryTransport()
        let dir = tempDir()
        let topology = JobTopology(k: 1, networks: [.a, .b], coordinatorRank: 0)
        let coordinator = try Coordinator(.init(config: c, workDir: dir, topology: topology, resume: false, stopAfter: nil,
                                                workerBind: "mem://coordinator", transport: transport, keys: nil, log: { _ in }))
        let coordinatorError = Shared<Error?>(nil)
        let done = DispatchGroup()
        done.enter()
        Thread { do { try coordinator.run() } catch { coordinatorError.update { $0 = error } }; done.leave() }.start()
        // Two scripted replicas: rank 1 reports iteration 0 and sends statistics for 1; rank 2
        // sends statistics for 0 and then nothing but heartbeats.
        for rank in [1, 2] {
            done.enter()
            Thread {
                defer { done.leave() }
                let s = LinkSettings(transport: transport, timeoutSeconds: 5, heartbeatSeconds: 0.2, startupSeconds: 10,
                                     maxPayload: 1 << 20, rank: rank, host: "mem")
                guard let link = try? SocketCoordinatorLink(s, endpoint: coordinator.workerEndpoint, coordinatorRank: 0, job: JobIdentity(),
                                                            onEnd: { _ in }, log: { _ in }) else { return }
                defer { link.close() }
                let net: NetworkID = rank == 1 ? .a : .b
                _ = try? link.join(Hello(network: net, groupRank: 0, host: "mem", pid: rank, inbox: ""))
                try? link.send(.stats(Stats()), iteration: 0)
                if rank == 1 {
                    _ = try? link.decision(for: 0)
                    try? link.send(.report(Report(network: .a, record: NetworkRecord())), iteration: 0)
                    try? link.send(.stats(Stats()), iteration: 1)
                }
                // Alive, silent but for heartbeats, until the coordinator gives up (bounded).
                for _ in 0..<100 where coordinatorError.get == nil { Thread.sleep(forTimeInterval: 0.05) }
            }.start()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        let message = "\(try XCTUnwrap(coordinatorError.get))"
        XCTAssertTrue(message.hasPrefix("rank 2 (b0, host mem, pid 2) stalled at iteration 1"), message)
        let metrics = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertEqual(metrics, "", "iteration 0 has no record without rank 2's report")
    }
}
