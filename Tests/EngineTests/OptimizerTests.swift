import XCTest
import Engine
import TestSupport

final class OptimizerTests: XCTestCase {
    /// Hand case: θ=1, grad=0.5, wd=0.1, μ=0.9, lr=0.1.
    /// step 1: g = 0.5 + 0.1·1 = 0.6, v = 0.6, θ = 1 − 0.06 = 0.94
    /// step 2: g = 0.5 + 0.094 = 0.594, v = 0.9·0.6 + 0.594 = 1.134, θ = 0.94 − 0.1134 = 0.8266
    func testSGDHandComputed() {
        let s = ParameterStore(seed: 0)
        let p = s.register("p", shape: [1], init: .constant(1))
        let opt = SGD(s, config: SGDConfig(momentum: 0.9, weightDecay: 0.1))
        p.grads[0] = 0.5; opt.step(lr: 0.1)
        assertClose(p.values[0], 0.94, atol: 1e-6)
        p.grads[0] = 0.5; opt.step(lr: 0.1)
        assertClose(p.values[0], 0.8266, atol: 1e-6)
    }

    /// The update runs in chunks on the worker threads: a store large enough to be split (two
    /// trainable ranges around a frozen one, 3·2¹⁶ values) steps to the same bits with 1 and 2
    /// threads, the frozen range untouched, and every trainable value matches the serial formula.
    func testSGDChunksGiveTheSameBitsAsOneThread() {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        func run(_ threads: Int) -> (initial: [Float], final: [Float], grads: [Float]) {
            Parallel.threads = threads
            let s = ParameterStore(seed: 4)
            _ = s.register("a", shape: [1 << 16], init: .normal(std: 1))
            _ = s.register("f", shape: [1 << 16], init: .constant(3), trainable: false)
            _ = s.register("b", shape: [1 << 16], init: .normal(std: 1))
            let initial = (0..<s.count).map { s.values[$0] }
            for i in 0..<s.count { s.grads[i] = Float(i % 97) * 0.01 - 0.4 }
            let opt = SGD(s, config: SGDConfig(momentum: 0.9, weightDecay: 1e-4))
            opt.step(lr: 0.02); opt.step(lr: 0.02)
            return (initial, (0..<s.count).map { s.values[$0] }, (0..<s.count).map { s.grads[$0] })
        }
        let one = run(1), two = run(2)
        XCTAssertEqual(one.final.map(\.bitPattern), two.final.map(\.bitPattern))
        XCTAssertTrue(one.final[(1 << 16)..<(2 << 16)].allSatisfy { $0 == 3 }, "frozen range changed")
        var worst: Float = 0
        for i in Array(0..<(1 << 16)) + Array((2 << 16)..<(3 << 16)) {   // two steps of the formula, by hand
            let g1 = one.grads[i] + 1e-4 * one.initial[i], t1 = one.initial[i] - 0.02 * g1
            let v2 = 0.9 * g1 + (one.grads[i] + 1e-4 * t1), t2 = t1 - 0.02 * v2
            worst = max(worst, abs(two.final[i] - t2))
        }
        XCTAssertLessThan(worst, 1e-6)
    }

    func testSGDMatchesNumpyTrajectory() throws {
        let root = try XCTUnwrap(loadFixtureJSON("engine/optim.json") as? [String: Any])
        let c = try XCTUnwrap(root["sgd"] as? [String: Any])
        let s = ParameterStore(seed: 0)
        let p = s.register("p", shape: [6], init: .constant(0))
        p.values.update(from: floats(c["theta0"]), count: 6)
        let opt = SGD(s, config: SGDConfig(momentum: Float(c["momentum"] as! Double), weightDecay: Float(c["weight_decay"] as! Double)))
        let grads = c["grads"] as! [Any], traj = c["trajectory"] as! [Any]
        for (g, want) in zip(grads, traj) {
            p.grads.update(from: floats(g), count: 6)
            opt.step(lr: Float(c["lr"] as! Double))
            assertClose(p.valueArray, floats(want), atol: 1e-5)
        }
    }

    /// Warm-up from 0.001·lr, linear, then ×0.1 at each step (mmcv semantics), against numpy.
    func testScheduleMatchesReference() throws {
        let root = try XCTUnwrap(loadFixtureJSON("engine/optim.json") as? [String: Any])
        let c = try XCTUnwrap(root["schedule"] as? [String: Any])
        let sched = LRSchedule(baseLR: Float(c["base"] as! Double), warmupIters: c["warmup"] as! Int,
                               warmupRatio: Float(c["ratio"] as! Double), steps: ints(c["steps"]), gamma: Float(c["gamma"] as! Double))
        assertClose((0..<25).map { sched.lr(at: $0) }, floats(c["lrs"]), atol: 1e-9, rtol: 1e-5)
        // Hand values: iteration 0 → 0.01·0.001; 5 → 0.01·(1 − 0.5·0.999) = 0.005005; 15 → 0.001; 20 → 0.0001.
        assertClose(sched.lr(at: 0), 1e-5, atol: 1e-10)
        assertClose(sched.lr(at: 5), 0.005005, atol: 1e-8)
        assertClose(sched.lr(at: 15), 0.001, atol: 1e-9)
        assertClose(sched.lr(at: 20), 0.0001, atol: 1e-10)
    }

    /// Clipping: grads (3,4) have norm 5; with max 1 they are scaled to (0.6, 0.8) before the step.
    func testGradientClipping() {
        let s = ParameterStore(seed: 0)
        let p = s.register("p", shape: [2], init: .constant(0))
        let opt = SGD(s, config: SGDConfig(momentum: 0, weightDecay: 0, clipNorm: 1))
        p.grads[0] = 3; p.grads[1] = 4
        let norm = opt.step(lr: 1)
        assertClose(norm ?? -1, 5)
        assertClose([p.values[0], p.values[1]], [-0.6, -0.8], atol: 1e-5)
        // Off by default.
        XCTAssertNil(SGDConfig().clipNorm)
    }
}

final class ParameterStoreTests: XCTestCase {
    func testSameSeedSameWeightsBitForBit() {
        let a = ParameterStore(seed: 42), b = ParameterStore(seed: 42), c = ParameterStore(seed: 43)
        for s in [a, b, c] {
            _ = s.register("x.weight", shape: [64, 3, 3, 8], init: .kaimingNormal(fan: 576))
            _ = s.register("y.weight", shape: [10], init: .normal(std: 0.01))
        }
        XCTAssertEqual(a.snapshotValues().map(\.bitPattern), b.snapshotValues().map(\.bitPattern))
        XCTAssertNotEqual(a.snapshotValues(), c.snapshotValues())
    }

    /// A parameter's values depend only on (seed, name): registering another one first changes nothing.
    func testStreamsAreKeyedByName() {
        let a = ParameterStore(seed: 1), b = ParameterStore(seed: 1)
        let pa = a.register("head.w", shape: [20], init: .normal(std: 1))
        _ = b.register("other", shape: [7], init: .normal(std: 1))
        let pb = b.register("head.w", shape: [20], init: .normal(std: 1))
        XCTAssertEqual(pa.valueArray, pb.valueArray)
    }

    /// Kaiming std = sqrt(2/fan); the sample std of 20k draws is within 2%.
    func testInitializerStatistics() {
        let s = ParameterStore(seed: 3)
        let p = s.register("w", shape: [20000], init: .kaimingNormal(fan: 50))
        let v = p.valueArray.map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count)
        let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
        XCTAssertEqual(std, 0.2, accuracy: 0.004)
        XCTAssertEqual(mean, 0, accuracy: 0.005)
        let u = s.register("u", shape: [20000], init: .xavierUniform(fanIn: 10, fanOut: 14))
        let bound = Float((6.0 / 24).squareRoot())
        XCTAssertTrue(UnsafeBufferPointer(start: u.values, count: u.count).allSatisfy { abs($0) <= bound })
    }

    /// Gradients of all parameters are one contiguous buffer in registration order.
    func testContiguousGradientBuffer() {
        let s = ParameterStore(seed: 0)
        let a = s.register("a", shape: [3], init: .constant(0)), b = s.register("b", shape: [2, 2], init: .constant(0))
        XCTAssertEqual(a.offset, 0); XCTAssertEqual(b.offset, 3); XCTAssertEqual(s.count, 7)
        b.grads[1] = 5
        XCTAssertEqual(s.gradBuffer[4], 5)
        s.zeroGrads()
        XCTAssertTrue(s.gradBuffer.allSatisfy { $0 == 0 })
    }
}
