// Shell completion candidates shared by the commands (`colad --generate-completion-script bash`
// builds the script from the options' `completion:` kinds; see README "Shell completion").
import ArgumentParser
import Config

/// `--set` candidates: every key path of the config schema followed by `=`.
let configKeyCompletions: [String] = TrainingConfig.keyPaths.map { $0 + "=" }

extension CompletionKind {
    /// A YAML config file.
    static var configFile: CompletionKind { .file(extensions: ["yaml", "yml"]) }
    /// Every key path of the config schema, for `--set`.
    static var configKeys: CompletionKind { .list(configKeyCompletions) }
}
