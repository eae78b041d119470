import ArgumentParser
import Config
import Datasets
import Foundation
import Training

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Datasets: write the built-in one in COCO format, or preview any dataset a config names.",
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

    @Option(help: "Output directory.", completion: .directory) var out: String
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
        abstract: "Render a grid of samples with their boxes and class names to a PNG or JPEG (the file's extension decides).",
        discussion: """
        With --config, the dataset the config names (data.dataset: builtin or coco, with its paths \
        and sizes; --set applies); without, the built-in dataset with --seed.
        """)

    @Option(help: "Output image: .png, or .jpg / .jpeg.", completion: .file(extensions: ["png", "jpg", "jpeg"])) var out: String
    @Option(help: "Training config whose dataset to show (default: the built-in dataset).", completion: .configFile) var config: String?
    @Option(name: .customLong("set"), help: "Config override (repeatable).", completion: .configKeys) var overrides: [String] = []
    @Option(help: "Split to show (train or val).") var split = "train"
    @Option(help: "Number of samples.") var count = 16
    @Option(help: "Index of the first sample.") var start = 0
    @Option(help: "Grid columns.") var columns = 4
    @Option(help: "Pixel zoom per tile (default: 2 for the built-in dataset's 128 px images, 1 otherwise).") var zoom: Int?
    @Option(help: "Generator seed of the built-in dataset (without --config; with one: --set data.seed=S).") var seed: UInt64?

    func validate() throws {
        guard Split(rawValue: split) != nil else { throw ValidationError("--split must be train or val, got \(split)") }
        guard count >= 1, start >= 0, columns >= 1 else { throw ValidationError("--count and --columns must be ≥ 1, --start ≥ 0") }
        if config != nil && seed != nil { throw ValidationError("--seed is for the built-in dataset without --config; use --set data.seed=S") }
        if config == nil && !overrides.isEmpty { throw ValidationError("--set needs --config") }
    }

    func run() throws {
        let sp = Split(rawValue: split)!
        do {
            let url = URL(fileURLWithPath: out)
            let format = try ImageFormat(outputFile: url)
            let ds: any DetectionDataset
            if let config {
                ds = try openDataset(TrainingConfig.load(file: config, overrides: overrides).data, split: sp)
            } else {
                var cfg = SyntheticConfig()
                cfg.seed = seed ?? 0
                cfg.trainCount = max(cfg.trainCount, start + count)
                cfg.valCount = max(cfg.valCount, start + count)
                ds = try SyntheticDataset(config: cfg, split: sp)
            }
            guard start < ds.count else {
                throw ValidationError("--start \(start): the \(split) split has \(ds.count) images")
            }
            let samples = try (start..<min(ds.count, start + count)).map { try ds.load($0) }
            let tileZoom = zoom ?? (ds is SyntheticDataset ? 2 : 1)
            let grid = Preview.renderGrid(samples: samples, classNames: ds.classNames, columns: columns, zoom: tileZoom)
            try ImageCodec.write(grid, to: url, format: format)
            let objects = samples.map(\.boxes.count).reduce(0, +)
            print("wrote \(out) (\(format.rawValue.uppercased())): \(samples.count) \(split) samples (\(objects) objects), \(grid.width)×\(grid.height) px")
        } catch { fail(error) }
    }
}
