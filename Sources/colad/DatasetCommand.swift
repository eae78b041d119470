import ArgumentParser
import Datasets
import Foundation

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "The built-in procedural dataset: write it in COCO format, or preview it.",
        subcommands: [DatasetSynth.self, DatasetPreview.self])
}

/// Progress on one line when stderr is a terminal; every 10% as plain lines otherwise.
struct Progress {
    let label: String
    let tty = isatty(STDERR_FILENO) != 0
    var lastDecile = -1
    init(_ label: String) { self.label = label }
    mutating func update(_ done: Int, _ total: Int) {
        let decile = total > 0 ? done * 10 / total : 10
        if tty {
            FileHandle.standardError.write(Data("\r\(label): \(done)/\(total)".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if decile != lastDecile {
            lastDecile = decile
            FileHandle.standardError.write(Data("\(label): \(done)/\(total)\n".utf8))
        }
    }
}

struct DatasetSynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write the built-in dataset as COCO: DIR/{train,val}/*.png and DIR/annotations/instances_{train,val}.json.")

    @Option(help: "Output directory.") var out: String
    @Option(help: "Training images.") var train = 4000
    @Option(help: "Validation images.") var val = 500
    @Option(help: "Generator seed (same seed → same images, bit for bit).") var seed: UInt64 = 0

    func validate() throws {
        guard train >= 0, val >= 0 else { throw ValidationError("--train and --val must be ≥ 0") }
    }

    func run() throws {
        let dir = URL(fileURLWithPath: out)
        var progress = Progress("synth")
        do {
            let stats = try SyntheticDataset.writeCOCO(to: dir, trainCount: train, valCount: val, seed: seed) { progress.update($0, $1) }
            print("wrote \(train) train and \(val) val images (seed \(seed)) to \(dir.path)")
            print("  train: \(stats.train)")
            print("  val:   \(stats.val)")
        } catch { fail(error) }
    }
}

struct DatasetPreview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Render a grid of built-in samples with their boxes and class names to a PNG.")

    @Option(help: "Output PNG file.") var out: String
    @Option(help: "Split to show (train or val).") var split = "train"
    @Option(help: "Number of samples.") var count = 16
    @Option(help: "Index of the first sample.") var start = 0
    @Option(help: "Grid columns.") var columns = 4
    @Option(help: "Pixel zoom per tile.") var zoom = 2
    @Option(help: "Generator seed.") var seed: UInt64 = 0

    func run() throws {
        guard let sp = Split(rawValue: split) else { fail(ValidationError("--split must be train or val, got \(split)")) }
        do {
            var cfg = SyntheticConfig()
            cfg.seed = seed
            cfg.trainCount = max(cfg.trainCount, start + count)
            cfg.valCount = max(cfg.valCount, start + count)
            let ds = try SyntheticDataset(config: cfg, split: sp)
            let samples = try (start..<(start + count)).map { try ds.load($0) }
            let grid = Preview.renderGrid(samples: samples, classNames: ds.classNames, columns: columns, zoom: zoom)
            try ImageCodec.write(grid, to: URL(fileURLWithPath: out), format: .png)
            let objects = samples.map(\.boxes.count).reduce(0, +)
            print("wrote \(out): \(count) \(split) samples (\(objects) objects), \(grid.width)×\(grid.height) px")
        } catch { fail(error) }
    }
}
