// Weights in PyTorch layout (names and layouts: TorchNames.swift, docs/weights.md):
//   export: colad tensors (a network-*.safetensors file) → a PyTorch state dict's tensors
//   load:   a PyTorch state dict's tensors → a network's parameters, all of them or only those
//           whose PyTorch name lies under given prefixes (the rest keep their initial values)
// Both check everything first and report every problem in one TorchWeightsError; `load` writes
// nothing unless every selected tensor is present with its shape. Optimizer state is not
// weights and is never exported.
import Engine

/// What `TorchWeights.load` did.
public struct TorchLoadSummary: Equatable {
    /// Parameters set from the file.
    public var loaded: Int
    /// Parameters outside the prefixes, left at their initial values.
    public var kept: Int
    /// Tensors of the file outside the prefixes, not read.
    public var ignored: Int
}

public enum TorchWeights {
    /// colad-layout tensors → PyTorch-layout tensors (PyTorch names, OIHW convs, 0-dim scales).
    public static func export(_ tensors: [NamedTensor], file: String) throws -> [NamedTensor] {
        var out: [NamedTensor] = [], problems: [TorchWeightsError.Problem] = []
        for t in tensors {
            guard let (name, layout) = TorchNames.torch(t.name), shapeFits(t.shape, layout) else {
                problems.append(.notAColadParameter(name: t.name, found: t.shape))
                continue
            }
            out.append(NamedTensor(name: name, shape: layout.torchShape(t.shape), values: layout.toTorch(t.values, coladShape: t.shape)))
        }
        guard problems.isEmpty else {
            throw TorchWeightsError(file: file, problems: problems,
                                    hint: "export reads a colad network file (checkpoints/iter_NNNNNNN/network-a.safetensors), not an optimizer file or a file already in PyTorch layout")
        }
        return out
    }

    /// Sets `store`'s parameters from PyTorch-layout tensors. With `prefixes` (e.g.
    /// ["backbone."]) only parameters whose PyTorch name starts with one of them are loaded and
    /// only the file's tensors under them are checked; a prefix matches whole name components
    /// ("backbone" and "backbone." both select backbone.*, "backbone.layer1" not layer10).
    @discardableResult
    public static func load(_ tensors: [NamedTensor], into store: ParameterStore, prefixes: [String] = [],
                            file: String) throws -> TorchLoadSummary {
        let map = TorchNameMap(store)
        func selected(_ name: String) -> Bool { prefixes.isEmpty || prefixes.contains { under($0, name) } }
        var problems: [TorchWeightsError.Problem] = prefixes.filter { p in !map.entries.contains { under(p, $0.torch) } }
            .map { .emptyPrefix($0) }
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let wanted = map.entries.filter { selected($0.torch) }
        for e in wanted {
            guard let t = byName[e.torch] else { problems.append(.missing(name: e.torch, expected: e.torchShape)); continue }
            if !(t.shape == e.torchShape || (e.layout == .scalar && t.shape == [1])) {
                problems.append(.misShaped(name: e.torch, expected: e.torchShape, found: t.shape))
            }
        }
        let known = Set(wanted.map(\.torch))
        for t in tensors where selected(t.name) && !known.contains(t.name) {
            problems.append(.unexpected(name: t.name, found: t.shape))
        }
        guard problems.isEmpty else { throw TorchWeightsError(file: file, problems: problems, hint: hint(problems, prefixes)) }
        for e in wanted {
            let p = store.parameter(named: e.colad)!
            let v = e.layout.toColad(byName[e.torch]!.values, coladShape: e.coladShape)
            v.withUnsafeBufferPointer { p.values.update(from: $0.baseAddress!, count: p.count) }
        }
        return TorchLoadSummary(loaded: wanted.count, kept: map.entries.count - wanted.count,
                                ignored: tensors.filter { !selected($0.name) }.count)
    }

    /// Whether `name` lies under `prefix`, matching whole dot-separated components.
    static func under(_ prefix: String, _ name: String) -> Bool {
        let p = prefix.hasSuffix(".") ? String(prefix.dropLast()) : prefix
        return name == p || name.hasPrefix(p + ".")
    }

    private static func shapeFits(_ s: [Int], _ layout: TorchLayout) -> Bool {
        switch layout {
        case .same: return true
        case .convOIHW: return s.count == 4
        case .scalar: return s == [1]
        }
    }

    private static func hint(_ problems: [TorchWeightsError.Problem], _ prefixes: [String]) -> String {
        var h = "the file must hold a PyTorch state dict of this architecture with the names and shapes of docs/weights.md (`colad export` writes one)"
        if problems.contains(where: { if case .misShaped = $0 { return true }; return false }) {
            h += "; mis-shaped tensors mean another preset, other widths or another class count (head.atss_cls has one output channel per class)"
        }
        if prefixes.isEmpty, problems.contains(where: { if case .missing = $0 { return true }; return false }) {
            h += "; to load only part of the file, list prefixes in init_prefixes (e.g. [backbone.])"
        }
        if problems.contains(where: { if case .emptyPrefix = $0 { return true }; return false }) {
            h += "; prefixes name PyTorch modules: backbone, backbone.stem, backbone.layer1 … layer4, neck, head"
        }
        return h
    }
}
