// All parameters of one network live in one contiguous Float32 buffer, and all their
// gradients in a second one of the same layout, so one all-reduce moves every gradient
// and the optimizer is a single loop. Layers keep `Parameter` handles (name, offset, shape).
import Foundation

/// How a parameter is initialised. Each parameter draws from its own stream, keyed by
/// (seed, name), so the same seed gives the same weights bit for bit whatever else changes.
public enum Initializer: Equatable {
    case constant(Float)
    case normal(std: Float)
    /// He/Kaiming normal, std = sqrt(2 / fan) (mmdet `kaiming_init`, mode fan_out, ReLU gain).
    case kaimingNormal(fan: Int)
    /// Xavier/Glorot uniform, bound = sqrt(6 / (fanIn + fanOut)).
    case xavierUniform(fanIn: Int, fanOut: Int)
}

/// A handle to one named parameter inside a `ParameterStore`.
public struct Parameter {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public let count: Int
    /// Strong: a layer keeps its network's buffers alive. (The store itself keeps only plain
    /// descriptors, so there is no reference cycle.)
    public let store: ParameterStore
    /// False for a frozen tensor (loaded statistics, a frozen backbone stage): the optimizer
    /// leaves it as it is (no update, no weight decay) and no layer writes its gradient.
    public let trainable: Bool

    /// Pointer to the values (valid until the store grows; layers re-read it per call).
    @inlinable public var values: UnsafeMutablePointer<Float> { store.values + offset }
    /// Pointer to the gradient accumulator.
    @inlinable public var grads: UnsafeMutablePointer<Float> { store.grads + offset }
    /// Copies, for tests and checkpoints.
    public var valueArray: [Float] { Array(UnsafeBufferPointer(start: values, count: count)) }
    public var gradArray: [Float] { Array(UnsafeBufferPointer(start: grads, count: count)) }
}

/// Owner of a network's parameter and gradient buffers.
public final class ParameterStore {
    public private(set) var values: UnsafeMutablePointer<Float>
    public private(set) var grads: UnsafeMutablePointer<Float>
    public private(set) var count = 0
    private var capacity: Int
    private var entries: [(name: String, shape: [Int], offset: Int, count: Int, trainable: Bool)] = []
    private var index: [String: Int] = [:]
    /// Every parameter, in registration order (= buffer order).
    public var parameters: [Parameter] {
        entries.map { Parameter(name: $0.name, shape: $0.shape, offset: $0.offset, count: $0.count, store: self, trainable: $0.trainable) }
    }
    public let seed: UInt64
    /// How the network's 3×3 stride-1 pad-1 convolutions compute; read by each `Conv2D` when it
    /// is built (set it before building the layers). Not a parameter: it changes rounding, not shapes.
    public var convAlgorithm: ConvAlgorithm = .im2col

    public init(seed: UInt64, capacity: Int = 1 << 16) {
        self.seed = seed
        self.capacity = max(capacity, 1)
        values = .allocate(capacity: self.capacity)
        grads = .allocate(capacity: self.capacity)
    }

    deinit {
        values.deallocate()
        grads.deallocate()
    }

    /// Registers a parameter; names must be unique within the store. `trainable: false` registers
    /// a frozen tensor (still saved, loaded and all-reduced with the rest; never updated).
    public func register(_ name: String, shape: [Int], init initializer: Initializer, trainable: Bool = true) -> Parameter {
        precondition(index[name] == nil, "ParameterStore: duplicate parameter name \(name)")
        let n = shape.reduce(1, *)
        reserve(count + n)
        let p = Parameter(name: name, shape: shape, offset: count, count: n, store: self, trainable: trainable)
        count += n
        index[name] = entries.count
        entries.append((name, shape, p.offset, n, trainable))
        initialize(p, initializer)
        p.grads.update(repeating: 0, count: n)
        return p
    }

    public func parameter(named name: String) -> Parameter? {
        index[name].map { let e = entries[$0]; return Parameter(name: e.name, shape: e.shape, offset: e.offset, count: e.count, store: self, trainable: e.trainable) }
    }

    /// The buffer ranges of the trainable parameters, adjacent ones merged (one range when
    /// nothing is frozen).
    public var trainableRanges: [Range<Int>] {
        var out: [Range<Int>] = []
        for e in entries where e.trainable {
            if let last = out.last, last.upperBound == e.offset { out[out.count - 1] = last.lowerBound..<(e.offset + e.count) }
            else { out.append(e.offset..<(e.offset + e.count)) }
        }
        return out
    }

    /// Sets every gradient to zero.
    public func zeroGrads() { grads.update(repeating: 0, count: count) }

    /// Buffer views for collectives and checkpoints.
    public var valueBuffer: UnsafeMutableBufferPointer<Float> { .init(start: values, count: count) }
    public var gradBuffer: UnsafeMutableBufferPointer<Float> { .init(start: grads, count: count) }

    public func snapshotValues() -> [Float] { Array(valueBuffer) }
    public func snapshotGrads() -> [Float] { Array(gradBuffer) }

    private func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        var newCap = capacity
        while newCap < needed { newCap *= 2 }
        let nv = UnsafeMutablePointer<Float>.allocate(capacity: newCap)
        let ng = UnsafeMutablePointer<Float>.allocate(capacity: newCap)
        nv.update(from: values, count: count)
        ng.update(from: grads, count: count)
        values.deallocate(); grads.deallocate()
        values = nv; grads = ng; capacity = newCap
    }

    private func initialize(_ p: Parameter, _ initializer: Initializer) {
        var rng = SplitMix64(seed: seed, key: p.name)
        let v = p.values
        switch initializer {
        case .constant(let c):
            v.update(repeating: c, count: p.count)
        case .normal(let std):
            for i in 0..<p.count { v[i] = Float(rng.nextNormal() * Double(std)) }
        case .kaimingNormal(let fan):
            let std = (2.0 / Double(max(fan, 1))).squareRoot()
            for i in 0..<p.count { v[i] = Float(rng.nextNormal() * std) }
        case .xavierUniform(let fanIn, let fanOut):
            let bound = (6.0 / Double(max(fanIn + fanOut, 1))).squareRoot()
            for i in 0..<p.count { v[i] = Float((rng.nextUniform() * 2 - 1) * bound) }
        }
    }
}
