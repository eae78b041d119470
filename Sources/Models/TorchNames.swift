// colad's parameter names and layouts ↔ PyTorch's (mmdetection-like names; the full table for
// the tiny preset is docs/weights.md, checked against `TorchNameMap` by a test).
//   colad                                        PyTorch
//   backbone.stem.{conv,gn}.*                    backbone.stem.{conv,gn}.*        (unchanged)
//   backbone.layerS.B.conv1.conv.weight          backbone.layerS.B.conv1.weight
//   backbone.layerS.B.conv1.gn.{weight,bias}     backbone.layerS.B.gn1.{weight,bias}   (conv2 → conv2, gn2)
//   backbone.layerS.B.downsample.conv.weight     backbone.layerS.B.downsample.0.weight
//   backbone.layerS.B.downsample.gn.*            backbone.layerS.B.downsample.1.*
//   neck.{lateral,fpn}_convs.i.{weight,bias}     neck.{lateral,fpn}_convs.i.conv.{weight,bias}
//   head.{cls,reg}_convs.i.{conv,gn}.*           unchanged
//   head.conv_cls / conv_reg / conv_iou          head.atss_cls / atss_reg / atss_centerness
//   head.scales.l            [1]                 head.scales.l.scale        []  (mmcv's Scale)
// Layouts: a conv weight is [O,K,K,I] (OHWI) in colad and [O,I,K,K] (OIHW) in PyTorch; a scale
// is [1] in colad and a 0-dim tensor in PyTorch; every other tensor is the same in both.
import Engine

/// How one tensor's values are arranged in PyTorch relative to colad.
public enum TorchLayout: String, Equatable, Sendable {
    /// Same shape, same order.
    case same
    /// colad [O,K,K,I] ↔ PyTorch [O,I,K,K].
    case convOIHW
    /// colad [1] ↔ PyTorch [] (one value, 0-dim).
    case scalar

    /// The PyTorch shape of a colad tensor of shape `s`.
    public func torchShape(_ s: [Int]) -> [Int] {
        switch self {
        case .same: return s
        case .convOIHW: return [s[0], s[3], s[1], s[2]]
        case .scalar: return []
        }
    }

    /// colad order → PyTorch order (values of a tensor of colad shape `s`).
    public func toTorch(_ v: [Float], coladShape s: [Int]) -> [Float] {
        guard self == .convOIHW else { return v }
        let (o, kh, kw, i) = (s[0], s[1], s[2], s[3])
        var out = [Float](repeating: 0, count: v.count)
        for a in 0..<o { for y in 0..<kh { for x in 0..<kw { for c in 0..<i {
            out[((a * i + c) * kh + y) * kw + x] = v[((a * kh + y) * kw + x) * i + c]
        } } } }
        return out
    }

    /// PyTorch order → colad order (the inverse of `toTorch`).
    public func toColad(_ v: [Float], coladShape s: [Int]) -> [Float] {
        guard self == .convOIHW else { return v }
        let (o, kh, kw, i) = (s[0], s[1], s[2], s[3])
        var out = [Float](repeating: 0, count: v.count)
        for a in 0..<o { for y in 0..<kh { for x in 0..<kw { for c in 0..<i {
            out[((a * kh + y) * kw + x) * i + c] = v[((a * i + c) * kh + y) * kw + x]
        } } } }
        return out
    }
}

public enum TorchNames {
    /// The PyTorch name and layout of a colad parameter, or nil when `name` is not one of the
    /// names `DetectorNetwork` registers.
    public static func torch(_ name: String) -> (name: String, layout: TorchLayout)? {
        let p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let renamed = rename(p) else { return nil }
        let layout: TorchLayout = p.first == "head" && p.count == 3 && p[1] == "scales" ? .scalar
            : p.last == "weight" && isConv(p) ? .convOIHW : .same
        return (renamed.joined(separator: "."), layout)
    }

    private static func rename(_ p: [String]) -> [String]? {
        guard let leaf = p.last, p.count >= 3 else { return nil }
        switch (p[0], p[1]) {
        // The torchvision-layout ResNet registers torchvision's own names.
        case ("backbone", "conv1"), ("backbone", "bn1"):
            return p.count == 3 ? p : nil
        case ("backbone", let layer) where layer.hasPrefix("layer") && p.count == 5 && torchvisionUnits.contains(p[3]):
            return p
        case ("backbone", let layer) where layer.hasPrefix("layer") && p.count == 6 && p[3] == "downsample" && ["0", "1"].contains(p[4]):
            return p
        case ("backbone", "stem"):
            return p.count == 4 && ["conv", "gn"].contains(p[2]) ? p : nil
        case ("backbone", let layer) where layer.hasPrefix("layer") && p.count == 6:
            let unit: [String]
            switch (p[3], p[4]) {
            case ("conv1", "conv"): unit = ["conv1"]
            case ("conv1", "gn"): unit = ["gn1"]
            case ("conv2", "conv"): unit = ["conv2"]
            case ("conv2", "gn"): unit = ["gn2"]
            case ("downsample", "conv"): unit = ["downsample", "0"]
            case ("downsample", "gn"): unit = ["downsample", "1"]
            default: return nil
            }
            return Array(p[0..<3]) + unit + [leaf]
        case ("neck", "lateral_convs"), ("neck", "fpn_convs"):
            return p.count == 4 ? Array(p[0..<3]) + ["conv", leaf] : nil
        case ("head", "cls_convs"), ("head", "reg_convs"):
            return p.count == 5 && ["conv", "gn"].contains(p[3]) ? p : nil
        case ("head", "conv_cls"): return p.count == 3 ? ["head", "atss_cls", leaf] : nil
        case ("head", "conv_reg"): return p.count == 3 ? ["head", "atss_reg", leaf] : nil
        case ("head", "conv_iou"): return p.count == 3 ? ["head", "atss_centerness", leaf] : nil
        case ("head", "scales"): return p.count == 3 ? p + ["scale"] : nil
        default: return nil
        }
    }

    private static let torchvisionUnits: Set<String> = ["conv1", "conv2", "conv3", "bn1", "bn2", "bn3"]

    /// Whether the module holding this parameter is a convolution (not a norm or a scale).
    private static func isConv(_ p: [String]) -> Bool {
        let module = p.dropLast()
        if module.contains("gn") || module.contains("scales") || module.last?.hasPrefix("bn") == true { return false }
        return !(module.count >= 2 && module[module.endIndex - 2] == "downsample" && module.last == "1")
    }
}

/// The name map of one network: every colad parameter with its PyTorch name, both shapes and
/// the layout between them, in registration order.
public struct TorchNameMap: Equatable {
    public struct Entry: Equatable {
        public var colad: String
        public var coladShape: [Int]
        public var torch: String
        public var torchShape: [Int]
        public var layout: TorchLayout
    }
    public let entries: [Entry]

    /// The map of `store`'s parameters. Every name `DetectorNetwork` registers has a PyTorch
    /// name; a store holding anything else is a programming error.
    public init(_ store: ParameterStore) {
        entries = store.parameters.map { p in
            guard let t = TorchNames.torch(p.name) else { preconditionFailure("TorchNameMap: no PyTorch name for \(p.name)") }
            return Entry(colad: p.name, coladShape: p.shape, torch: t.name, torchShape: t.layout.torchShape(p.shape), layout: t.layout)
        }
    }

    /// The map as a Markdown table (docs/weights.md holds the tiny preset's).
    public func markdownTable() -> String {
        func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
        var lines = ["| PyTorch name | PyTorch shape | colad name | colad shape |", "|---|---|---|---|"]
        for e in entries {
            lines.append("| `\(e.torch)` | \(shape(e.torchShape)) | `\(e.colad)` | \(shape(e.coladShape)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
