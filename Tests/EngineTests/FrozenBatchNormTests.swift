import XCTest
import Engine
import TestSupport

final class FrozenBatchNormTests: XCTestCase {
    /// Hand case, C = 2, eps = 0 would be exact; with eps 1e-5 the factors below are rounded to 6 digits:
    /// channel 0: w 2, b 1, mean 1, var 4 → s = 2/√(4+1e-5) = 0.9999988, t = 1 − 1·s = 0.0000012
    /// channel 1: w 1, b −1, mean 0, var 1 → s = 1/√(1+1e-5) = 0.999995, t = −1
    /// x = [[3, 2], [−1, 0.5]] → y = [[3·s0 + t0, 2·s1 − 1], [−s0 + t0, 0.5·s1 − 1]] = [[3.0, 1.0], [−1.0, −0.5]]
    /// With ReLU: [[3, 1], [0, 0]]; dy = [[1, 2], [3, 4]] → dx = [[s0, 2·s1], [0, 0]].
    func testHandComputed() {
        let s = ParameterStore(seed: 0)
        let bn = FrozenBatchNorm(s, name: "bn", channels: 2)
        let relu = FrozenBatchNorm(s, name: "bn_relu", channels: 2, relu: true)
        for n in [bn, relu] {
            n.weight.values.update(from: [2, 1], count: 2); n.bias.values.update(from: [1, -1], count: 2)
            n.runningMean.values.update(from: [1, 0], count: 2); n.runningVar.values.update(from: [4, 1], count: 2)
        }
        let x = Tensor(shape: [1, 1, 2, 2], data: [3, 2, -1, 0.5])
        assertClose(bn.forward(x).data, [3.0, 1.0, -1.0, -0.5], atol: 2e-5)
        assertClose(relu.forward(x).data, [3.0, 1.0, 0, 0], atol: 2e-5)
        let dy = Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])
        assertClose(relu.backward(dy).data, [0.9999988, 2 * 0.999995, 0, 0], atol: 1e-6)
        assertClose(bn.backward(dy).data, [0.9999988, 2 * 0.999995, 3 * 0.9999988, 4 * 0.999995], atol: 1e-6)
        // Frozen: nothing is trainable and no gradient is written.
        XCTAssertTrue(s.parameters.allSatisfy { !$0.trainable })
        XCTAssertEqual(s.snapshotGrads(), [Float](repeating: 0, count: s.count))
        XCTAssertEqual(s.trainableRanges, [])
    }

    func testFiniteDifferences() {
        let s = ParameterStore(seed: 0)
        for relu in [false, true] {
            let bn = FrozenBatchNorm(s, name: "bn\(relu)", channels: 5, relu: relu)
            for c in 0..<5 {
                bn.weight.values[c] = 0.5 + Float(c) * 0.3; bn.bias.values[c] = Float(c) * 0.2 - 0.4
                bn.runningMean.values[c] = Float(c) * 0.1 - 0.2; bn.runningVar.values[c] = 0.5 + Float(c) * 0.4
            }
            let x = randomTensor([2, 3, 2, 5], seed: 21)
            let dy = randomTensor(x.shape, seed: 22)
            _ = bn.forward(x)
            let dx = bn.backward(dy)
            let num = numericalGradient(of: x, step: 1e-3) { dot(bn.forward($0, training: false), dy) }
            assertClose(dx.data, num, atol: 2e-3, rtol: 2e-3, "dx relu \(relu)")
        }
    }

    /// The optimizer leaves frozen tensors alone, weight decay included; trainable ones around
    /// them move as before.
    func testSGDSkipsFrozenParameters() {
        let s = ParameterStore(seed: 3)
        let a = s.register("a", shape: [3], init: .constant(1))
        let f = s.register("f", shape: [2], init: .constant(5), trainable: false)
        let b = s.register("b", shape: [2], init: .constant(2))
        XCTAssertEqual(s.trainableRanges, [0..<3, 5..<7])
        for i in 0..<s.count { s.grads[i] = 0.5 }
        let sgd = SGD(s, config: SGDConfig(momentum: 0.9, weightDecay: 0.1))
        sgd.step(lr: 0.1)
        XCTAssertEqual(f.valueArray, [5, 5])
        // θ − lr·(g + wd·θ): 1 − 0.1·(0.5 + 0.1) = 0.94; 2 − 0.1·(0.5 + 0.2) = 1.93.
        assertClose(a.valueArray, [0.94, 0.94, 0.94], atol: 1e-6)
        assertClose(b.valueArray, [1.93, 1.93], atol: 1e-6)
    }
}
