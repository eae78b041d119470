// A torchvision ResNet state dict (e.g. the ImageNet weights, converted to safetensors by
// launch/convert-torchvision-weights) → the parameters of a `ResNet` under a prefix.
//   torchvision                            colad
//   conv1.weight            [O,I,K,K]      backbone.conv1.weight          [O,K,K,I]
//   bn1.{weight,bias,running_mean,running_var}   backbone.bn1.*  (same)
//   layerS.B.convK.weight / bnK.*          backbone.layerS.B.convK.weight / bnK.*
//   layerS.B.downsample.{0,1}.*            backbone.layerS.B.downsample.{0,1}.*
//   fc.*, *.num_batches_tracked            not read (the classifier; a counter)
// Every missing, unexpected or mis-shaped tensor is reported at once (`TorchWeightsError`);
// nothing is written unless the whole backbone checks out.
import Engine

public enum ResNetWeights {
    /// The names a `ResNet` registers start with this (`ResNet`'s default prefix).
    static let prefix = "backbone."

    /// Loads every backbone parameter of `store` from `tensors` (torchvision names, OIHW convs):
    /// `TorchWeights.load` of the file's tensors under `backbone.`, with the problems named as
    /// the file names them. Returns the number of tensors set.
    @discardableResult
    public static func load(_ tensors: [NamedTensor], into store: ParameterStore, file: String) throws -> Int {
        let renamed = tensors.filter { !ignored($0.name) }.map { NamedTensor(name: prefix + $0.name, shape: $0.shape, values: $0.values) }
        do {
            return try TorchWeights.load(renamed, into: store, prefixes: [prefix], file: file).loaded
        } catch var e as TorchWeightsError {
            e.problems = e.problems.map(fileNames)
            e.hint = hint(e.problems, store: store)
            throw e
        }
    }

    /// Tensors of a torchvision state dict that a backbone does not use.
    static func ignored(_ name: String) -> Bool { name.hasPrefix("fc.") || name.hasSuffix(".num_batches_tracked") }

    /// A problem under the file's own names (without `backbone.`).
    private static func fileNames(_ p: TorchWeightsError.Problem) -> TorchWeightsError.Problem {
        func strip(_ n: String) -> String { n.hasPrefix(prefix) ? String(n.dropFirst(prefix.count)) : n }
        switch p {
        case .missing(let n, let e): return .missing(name: strip(n), expected: e)
        case .unexpected(let n, let f): return .unexpected(name: strip(n), found: f)
        case .misShaped(let n, let e, let f): return .misShaped(name: strip(n), expected: e, found: f)
        case .notAColadParameter(let n, let f): return .notAColadParameter(name: strip(n), found: f)
        case .emptyPrefix: return p
        }
    }

    private static func hint(_ problems: [TorchWeightsError.Problem], store: ParameterStore) -> String {
        var h = "the file must be a torchvision ResNet state dict of the configured depth (launch/convert-torchvision-weights writes one)"
        let groupNorm = store.parameter(named: prefix + "bn1.running_mean") == nil
        if groupNorm, problems.contains(where: { if case .unexpected(let n, _) = $0 { return n.hasSuffix("running_mean") }; return false }) {
            h += "; ImageNet weights carry BatchNorm statistics: configure the backbone's norm as frozen_bn to load them"
        }
        if problems.contains(where: { if case .misShaped = $0 { return true }; return false }) {
            h += "; mis-shaped tensors mean another depth or width (ResNet-18/34 have BasicBlocks, 50/101 Bottlenecks)"
        }
        return h
    }
}
