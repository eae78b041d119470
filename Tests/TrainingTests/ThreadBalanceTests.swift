import Config
import Foundation
import Training
import XCTest

/// The thread plan's processor-sharing model by hand, and the step cost it is fed.
final class ThreadBalanceTests: XCTestCase {
    func testSimulateByHand() {
        // Alone on its own core each: finish at their work.
        XCTAssertEqual(ThreadBalance.simulate(work: [1, 2.5], threads: [1, 1], cores: 2), [1, 2.5])
        // 3 threads on 2 cores run at 2/3 each: A (1 thread) finishes at 1.5, B (2 threads) has done
        // 2 by then and its last 0.5 runs on 2 full cores: 1.5 + 0.25 = 1.75.
        let f = ThreadBalance.simulate(work: [1, 2.5], threads: [1, 2], cores: 2)
        XCTAssertEqual(f[0], 1.5, accuracy: 1e-12); XCTAssertEqual(f[1], 1.75, accuracy: 1e-12)
        // Two equal ranks on one core: half a core each, both finish at 2.
        XCTAssertEqual(ThreadBalance.simulate(work: [1, 1], threads: [1, 1], cores: 1), [2, 2])
    }

    func testPlanSplitsTheCoresByCostWithoutOversubscribing() {
        // 8 cores, B 2.5× A: (2, 5) → A 1/2, B 2.5/5: both 0.5, nobody waits, 7 threads; (2, 6)
        // and (3, 5) reach 0.5 too with 8; the equal split (4, 4) → step 0.625.
        let p = ThreadBalance.plan(cores: 8, ranks: [.a: 1, .b: 1], work: [.a: 1, .b: 2.5])
        XCTAssertEqual(p.threads, [.a: 2, .b: 5])
        XCTAssertEqual(p.step, 0.5, accuracy: 1e-12)
        XCTAssertEqual(p.wait[.a]!, 0, accuracy: 1e-12); XCTAssertEqual(p.wait[.b]!, 0, accuracy: 1e-12)
        let equal = ThreadBalance.predict(cores: 8, ranks: [.a: 1, .b: 1], work: [.a: 1, .b: 2.5], threads: [.a: 4, .b: 4])
        XCTAssertEqual(equal.step, 0.625, accuracy: 1e-12); XCTAssertEqual(equal.wait[.a]!, 0.6, accuracy: 1e-12)
        // 2 cores: one thread each is all that fits.
        XCTAssertEqual(ThreadBalance.plan(cores: 2, ranks: [.a: 1, .b: 1], work: [.a: 1, .b: 2.5]).threads, [.a: 1, .b: 1])
        // More ranks than cores: one thread each.
        XCTAssertEqual(ThreadBalance.plan(cores: 2, ranks: [.a: 2, .b: 2], work: [.a: 1, .b: 2.5]).threads, [.a: 1, .b: 1])
        // 16 cores, 2 ranks of each network: threads × ranks ≤ 16 → (2, 5) per rank (14 threads).
        XCTAssertEqual(ThreadBalance.plan(cores: 16, ranks: [.a: 2, .b: 2], work: [.a: 1, .b: 2.5]).threads, [.a: 2, .b: 5])
    }

    func testEqualNetworksSplitTheCoresAndTiesTakeFewerThreads() {
        let p = ThreadBalance.plan(cores: 8, ranks: [.a: 1, .b: 1], work: [.a: 1, .b: 1])
        XCTAssertEqual(p.threads, [.a: 4, .b: 4])
        XCTAssertEqual(p.step, 0.25, accuracy: 1e-12)
        // One network (baseline): all cores.
        XCTAssertEqual(ThreadBalance.plan(cores: 4, ranks: [.a: 2], work: [.a: 1]).threads, [.a: 2])
    }

    func testStepCostFollowsTheArchitecture() {
        let tiny = NetworkConfig.preset("tiny")!, small = NetworkConfig.preset("small")!
        let t64 = StepCost.forwardFlops(tiny, imageSize: 64, numClasses: 6), t128 = StepCost.forwardFlops(tiny, imageSize: 128, numClasses: 6)
        // Every conv's output has H/s × W/s positions: doubling the side multiplies the FLOPs by 4.
        XCTAssertEqual(t128 / t64, 4, accuracy: 1e-9)
        let s128 = StepCost.forwardFlops(small, imageSize: 128, numClasses: 6)
        XCTAssertGreaterThan(s128 / t128, 1.5)
        var c = miniConfig(.lad)
        c.networkA = small
        let w = StepCost.work(c, plan: ModePlan(c), numClasses: 6)
        // The frozen teacher only runs forward: 1 of the trained student's 3 forward-equivalents.
        XCTAssertEqual(w[.a]! / StepCost.forwardFlops(small, imageSize: 64, numClasses: 6), Double(c.train.batchSize), accuracy: 1e-9)
        XCTAssertEqual(w[.b]! / StepCost.forwardFlops(tiny, imageSize: 64, numClasses: 6), 3 * Double(c.train.batchSize), accuracy: 1e-9)
    }
}
