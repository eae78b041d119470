import Config
import Datasets
import Engine
import Foundation
import Models
import PAA
import Training

/// Builds network `id` of a config and loads its weights from a checkpoint.
func loadNetwork(_ netCfg: NetworkConfig, checkpoint: String, id: NetworkID, config: TrainingConfig,
                 numClasses: Int? = nil) throws -> (DetectorNetwork, URL) {
    let classes = try numClasses ?? openDataset(config.data, split: .val).classNames.count
    let model = ModelConfig(netCfg, numClasses: classes)
    let net = DetectorNetwork(config: model, seed: 0)
    let file = try Checkpoint.weightsFile(checkpoint, network: id, key: "--checkpoint")
    let (tensors, _) = try SafeTensors.read(file)
    try net.store.load(tensors, file: file.path)
    return (net, file)
}
