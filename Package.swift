// swift-tools-version: 6.0
import PackageDescription

// Release builds are compiled with -Ounchecked for the numeric kernels (bounds checks are
// replaced by explicit shape preconditions at layer boundaries); debug builds keep all checks.
let fast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo", "-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "colad",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "colad", targets: ["colad"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C shims over the native libraries.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),

        // Tensors, layers with forward/backward, optimizer, RNG, safetensors.
        .target(name: "Engine", dependencies: ["CBLAS"], exclude: ["README.md"], swiftSettings: fast),
        // Detector networks (backbone, FPN, PAA head) built from a ModelConfig.
        .target(name: "Models", dependencies: ["Engine"], exclude: ["README.md"], swiftSettings: fast),
        // PNG/JPEG through libpng (png_image API) and libjpeg (setjmp-wrapped errors).
        .target(name: "CImageCodecs", exclude: ["README.md"],
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        // Strict JSON parser with exact numbers and line/column errors (COCO files, results files).
        .target(name: "StrictJSON", exclude: ["README.md"]),
        // Built-in procedural dataset, COCO read/write, preprocessing, distributed sampler, previews.
        .target(name: "Datasets", dependencies: ["CImageCodecs", "Detection", "StrictJSON"], exclude: ["README.md"]),
        // Training configuration: typed YAML schema with positioned errors, --set overrides, resolved YAML.
        .target(name: "Config", dependencies: [.product(name: "Yams", package: "Yams")], exclude: ["README.md"]),
        // Detection primitives: boxes, delta coder, IoU/GIoU, losses, 1-D GMM, PAA separation.
        .target(name: "Detection", exclude: ["README.md"], swiftSettings: fast),
        // Anchors, PAA label assignment (MaxIoU pre-assignment, anchor cost, top-k, GMM) and the PAA/LAD losses.
        .target(name: "PAA", dependencies: ["Detection", "Engine", "Models"], exclude: ["README.md"], swiftSettings: fast),
        // Inference post-processing (SPEC §6): scores, nms_pre, decode, multiclass NMS, score voting.
        .target(name: "Inference", dependencies: ["Detection", "Engine", "Models"], exclude: ["README.md"], swiftSettings: fast),
        // The CoLAD teacher rule: statistics in, decision out (the soft-label loss lives in PAA).
        .target(name: "Distillation", exclude: ["README.md"], swiftSettings: fast),
        // Training drivers: network workers, assignment step, trainer loop, evaluation, checkpoints.
        .target(name: "Training", dependencies: ["Engine", "Models", "Detection", "PAA", "Inference", "Datasets",
                                                  "Evaluation", "Config", "Distillation", "TensorBoard"], exclude: ["README.md"], swiftSettings: fast),
        // COCO bbox evaluation with pycocotools semantics; COCO results files.
        .target(name: "Evaluation", dependencies: ["StrictJSON"], exclude: ["README.md"]),
        // The experiment suites of `colad experiment` (plan, runner, results table and curves).
        .target(name: "Experiments", dependencies: ["Training", "Config", "Datasets", "Engine"], exclude: ["README.md"]),
        // ZeroMQ sockets, the message envelope (header + CRC32), bounds-checked payload coding.
        .target(name: "Transport", dependencies: ["CZMQ"], exclude: ["README.md"]),
        // The distributed runtime: rank roles, messages, coordinator, worker loop, status.
        .target(name: "Runtime", dependencies: ["Transport", "Comm", "Training", "Config", "Distillation", "PAA", "Models",
                                                 "Engine", "Datasets", "Evaluation"], exclude: ["README.md"]),
        // MPI groups and collectives.
        .target(name: "Comm", dependencies: ["CMPI"], exclude: ["README.md"], swiftSettings: fast),
        // TensorBoard event files (TFRecord framing, CRC-32C, the Event protobuf), written and read back; Foundation only.
        .target(name: "TensorBoard", exclude: ["README.md"]),

        // Writes BuildInfo.swift (the git commit for `colad --version`) before every build.
        .plugin(name: "BuildInfo", capability: .buildTool(), path: "Plugins/BuildInfo", exclude: ["build-info.sh"]),

        .executableTarget(
            name: "colad",
            dependencies: [
                "Engine", "Models", "Comm", "CMPI", "Datasets", "Detection", "Evaluation", "Config", "Training", "PAA", "Inference", "Distillation", "Experiments", "Runtime", "Transport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast,
            plugins: ["BuildInfo"]),

        // Non-public helpers for tests: assertClose, fixture loading.
        .target(name: "TestSupport", dependencies: ["Engine"], path: "Tests/TestSupport"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TestSupport", "CBLAS"]),
        .testTarget(name: "NativeLibrariesTests", dependencies: ["CZMQ"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Detection", "TestSupport"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "Engine", "TestSupport"]),
        .testTarget(name: "PAATests", dependencies: ["PAA", "Detection", "Engine", "Models", "TestSupport"]),
        .testTarget(name: "DistillationTests", dependencies: ["Distillation"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Config", "Engine", "PAA", "TensorBoard", "Datasets", "Evaluation"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "Detection", "Engine", "Models", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Engine", "TestSupport"]),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Transport", "Training", "Distillation", "PAA", "Models", "Engine", "Config"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Config", "Datasets", "Training", "TestSupport"]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard", "StrictJSON", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Engine", "TestSupport", "Config", "Training"]),
    ],
    swiftLanguageModes: [.v5]
)
