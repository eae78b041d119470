// The commit `colad --version` reports, found at build time. Before the colad target compiles,
// build-info.sh asks git for the package's HEAD (plus "-dirty" when tracked files differ from
// it) and writes BuildInfo.swift into the plugin's work directory, rewriting it only when that
// text changed. The command's inputs are git's HEAD, index and branch ref and every source file
// of the package, so a commit, a checkout or an edit reruns it and nothing else does. Without
// git or outside a git checkout (a source tarball) the commit is "unknown"; COLAD_BUILD_COMMIT
// in the environment of `swift build` overrides it.
import Foundation
import PackagePlugin

@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        let sources = context.package.targets.compactMap { $0.sourceModule }.flatMap { $0.sourceFiles.map(\.url) }
        var environment: [String: String] = [:]
        if let commit = ProcessInfo.processInfo.environment["COLAD_BUILD_COMMIT"] { environment["COLAD_BUILD_COMMIT"] = commit }
        return [.buildCommand(displayName: "colad build info (git commit)",
                              executable: URL(fileURLWithPath: "/bin/sh"),
                              arguments: [package.appending(path: "Plugins/BuildInfo/build-info.sh").path, package.path, output.path],
                              environment: environment,
                              inputFiles: gitFiles(package) + sources,
                              outputFiles: [output])]
    }

    /// The files git changes on a commit or a checkout: HEAD, the index, the branch's ref.
    func gitFiles(_ package: URL) -> [URL] {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", package.path, "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir", "--symbolic-full-name", "HEAD"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { return [] }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        git.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        guard git.terminationStatus == 0, lines.count >= 2 else { return [] }
        let (dir, common) = (URL(fileURLWithPath: lines[0]), URL(fileURLWithPath: lines[1]))
        var files = [dir.appending(path: "HEAD"), dir.appending(path: "index"), common.appending(path: "packed-refs")]
        if lines.count > 2, lines[2].hasPrefix("refs/") { files.append(common.appending(path: lines[2])) }
        return files.filter { FileManager.default.fileExists(atPath: $0.path) }
    }
}
