// The commit `colad --version` reports, found at build time: before every build of the colad
// target, build-info.sh asks git for the package's HEAD (plus "-dirty" when tracked files are
// modified) and writes BuildInfo.swift into the plugin's work directory, rewriting it only when
// the commit changed, so an unchanged commit rebuilds nothing. Without git or outside a git
// checkout (a source tarball) the commit is "unknown".
import Foundation
import PackagePlugin

@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let out = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = context.package.directoryURL.appending(path: "Plugins/BuildInfo/build-info.sh")
        return [.prebuildCommand(displayName: "colad build info (git commit)",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: [script.path, context.package.directoryURL.path, out.appending(path: "BuildInfo.swift").path],
                                 outputFilesDirectory: out)]
    }
}
