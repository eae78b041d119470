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
    /// Loads every parameter of `store` whose name starts with `prefix` from `tensors`
    /// (torchvision names, OIHW convs). Returns the number of tensors set.
    @discardableResult
    public static func load(_ tensors: [NamedTensor], into store: ParameterStore, prefix: String = "backbone.",
                            file: String) throws -> Int {
        let wanted = store.parameters.filter { $0.name.hasPrefix(prefix) }
        var problems: [TorchWeightsError.Problem] = []
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func layout(_ p: Parameter) -> TorchLayout { p.shape.count == 4 ? .convOIHW : .same }
        for p in wanted {
            let name = String(p.name.dropFirst(prefix.count)), shape = layout(p).torchShape(p.shape)
            guard let t = byName[name] else { problems.append(.missing(name: name, expected: shape)); continue }
            if t.shape != shape { problems.append(.misShaped(name: name, expected: shape, found: t.shape)) }
        }
        let known = Set(wanted.map { String($0.name.dropFirst(prefix.count)) })
        for t in tensors where !known.contains(t.name) && !ignored(t.name) {
            problems.append(.unexpected(name: t.name, found: t.shape))
        }
        guard problems.isEmpty else {
            throw TorchWeightsError(file: file, problems: problems, hint: hint(problems, store: store, prefix: prefix))
        }
        for p in wanted {
            let v = layout(p).toColad(byName[String(p.name.dropFirst(prefix.count))]!.values, coladShape: p.shape)
            v.withUnsafeBufferPointer { p.values.update(from: $0.baseAddress!, count: p.count) }
        }
        return wanted.count
    }

    /// Tensors of a torchvision state dict that a backbone does not use.
    static func ignored(_ name: String) -> Bool { name.hasPrefix("fc.") || name.hasSuffix(".num_batches_tracked") }

    private static func hint(_ problems: [TorchWeightsError.Problem], store: ParameterStore, prefix: String) -> String {
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
