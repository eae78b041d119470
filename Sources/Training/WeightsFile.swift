// Where a network's weights are, from a path as people give it: a network-*.safetensors file, a
// checkpoint directory (checkpoints/iter_NNNNNNN), a checkpoints/ folder or a run's work dir
// (both follow `latest`). Used for `network_*.checkpoint` (the frozen teacher, an
// initialisation) and by `colad eval` / `colad detect --checkpoint`.
import Config
import Foundation

extension Checkpoint {
    /// The weights file of network `id` at `path`.
    ///
    /// - Parameters:
    ///   - key: what named the path (`network_a.checkpoint`, `--checkpoint`), for errors.
    ///   - onlyFileOfAnyNetwork: in a checkpoint without network-`id`.safetensors, take its
    ///     only network file (a LAD run's checkpoint holds only its student, network-b, which
    ///     may be the teacher of another run's network A).
    public static func weightsFile(_ path: String, network id: NetworkID, key: String,
                                   onlyFileOfAnyNetwork: Bool = false) throws -> URL {
        var url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw TrainingError("\(key): \(path): no such file or directory",
                                hint: "give a run's work dir, a checkpoint directory or a network-\(id.rawValue).safetensors file "
                                    + "(relative paths from \(fm.currentDirectoryPath))")
        }
        if !isDir.boolValue { return url }
        func networkFiles(_ dir: URL) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("network-") && $0.hasSuffix(".safetensors") }.sorted()
        }
        let hasManifest = fm.fileExists(atPath: url.appendingPathComponent("manifest.json").path)
        if hasManifest {
            _ = try manifest(of: url)
        } else if networkFiles(url).isEmpty {   // a work dir or its checkpoints/: follow latest
            if fm.fileExists(atPath: url.appendingPathComponent("checkpoints").path) { url.appendPathComponent("checkpoints") }
            guard let latest = try latest(in: url) else {
                throw TrainingError("\(key): \(path) holds no checkpoint (no \(url.appendingPathComponent("latest").path))",
                                    hint: "give a run's work dir once it has written a checkpoint (train the teacher first), "
                                        + "a checkpoints/iter_NNNNNNN directory or a network-\(id.rawValue).safetensors file")
            }
            url = latest
        }
        let own = url.appendingPathComponent("network-\(id.rawValue).safetensors")
        if fm.fileExists(atPath: own.path) { return own }
        let networks = networkFiles(url)
        if onlyFileOfAnyNetwork && networks.count == 1 { return url.appendingPathComponent(networks[0]) }
        throw TrainingError("\(key): \(url.path) has no network-\(id.rawValue).safetensors"
                                + (networks.isEmpty ? "" : " (it has \(networks.joined(separator: ", ")))"),
                            hint: "name the file of the network you mean, e.g. \(url.appendingPathComponent(networks.first ?? "network-a.safetensors").path)")
    }
}
