import Config
import Datasets
import Engine
import Foundation
import Models
import PAA
import Training

/// Resolves a checkpoint argument to a weights file: a network-*.safetensors file, a checkpoint
/// directory (iter_…), or a checkpoints/ folder or work dir (follows `latest`).
func weightsFile(_ path: String, id: NetworkID) throws -> URL {
    var url = URL(fileURLWithPath: path)
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
        throw TrainingError("\(path): no such file or directory", hint: "give a checkpoint directory or a network-\(id.rawValue).safetensors file")
    }
    if !isDir.boolValue { return url }
    if FileManager.default.fileExists(atPath: url.appendingPathComponent("checkpoints").path) { url.appendPathComponent("checkpoints") }
    if let latest = try Checkpoint.latest(in: url) { url = latest }
    let file = url.appendingPathComponent("network-\(id.rawValue).safetensors")
    guard FileManager.default.fileExists(atPath: file.path) else {
        throw TrainingError("\(url.path): no network-\(id.rawValue).safetensors", hint: "is this a checkpoint of a run that trains network \(id.rawValue)?")
    }
    return file
}

/// Builds network `id` of a config and loads its weights from a checkpoint.
func loadNetwork(_ netCfg: NetworkConfig, checkpoint: String, id: NetworkID, config: TrainingConfig,
                 numClasses: Int? = nil) throws -> (DetectorNetwork, URL) {
    let classes = try numClasses ?? openDataset(config.data, split: .val).classNames.count
    let model = ModelConfig(netCfg, numClasses: classes)
    let net = DetectorNetwork(config: model, seed: 0)
    let file = try weightsFile(checkpoint, id: id)
    let (tensors, _) = try SafeTensors.read(file)
    try net.store.load(tensors, file: file.path)
    return (net, file)
}
