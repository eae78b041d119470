// `colad export`: one network of a checkpoint as a PyTorch state dict in safetensors format
// (PyTorch names, OIHW conv weights, 0-dim scales; docs/weights.md). Optimizer state is not
// exported. The file loads with `safetensors.torch.load_file` into
// Tests/Fixtures/scripts/colad_torch.py's ColadDetector, and back into colad with
// `network_*.init_from`.
import ArgumentParser
import Config
import Engine
import Foundation
import Models
import Training

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's network weights in PyTorch layout (names and shapes: docs/weights.md).")

    @Option(help: "A checkpoint directory (…/checkpoints/iter_NNNNNNN), a run's work dir or its checkpoints/ (follows latest), or a network-*.safetensors file.")
    var checkpoint: String
    @Option(help: "Which network (a or b).") var network = "a"
    @Option(help: "Output format; torch is the only one.") var format = "torch"
    @Option(help: "The .safetensors file to write (atomically).") var out: String

    func validate() throws {
        guard NetworkID(rawValue: network) != nil else { throw ValidationError("--network must be a or b, got \(network)") }
        guard format == "torch" else { throw ValidationError("--format must be torch, got \(format)") }
    }

    func run() throws {
        do {
            let source = try Checkpoint.weightsFile(checkpoint, network: NetworkID(rawValue: network)!, key: "--checkpoint")
            let (tensors, meta) = try SafeTensors.read(source)
            if meta["content"] == "sgd momentum" {
                throw TrainingError("\(source.path): content: sgd momentum, not weights",
                                    hint: "optimizer state is not exported; give the checkpoint directory or its network-\(network).safetensors")
            }
            let torch = try TorchWeights.export(tensors, file: source.path)
            let metadata = ["format": "pt", "layout": "pytorch: OIHW conv weights, 0-dim scales (docs/weights.md)",
                            "source": source.path, "network": network, "writer": "colad export"]
            try SafeTensors.write(torch, metadata: metadata, to: URL(fileURLWithPath: out))
            let count = torch.reduce(0) { $0 + $1.values.count }
            print("wrote \(out): \(torch.count) tensors, \(count) values, PyTorch layout, from \(source.path)")
        } catch { fail(error) }
    }
}
