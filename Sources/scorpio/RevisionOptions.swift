import ArgumentParser
import ScorpioKit
import SystemPackage

/// Which tree to serve; unset options come from the configuration (`source`, `repo`, `revision`).
/// ``BaseSourceOptions`` declares the same options itself, with `--path`: a group inside a group would
/// cost its commands' parse four more walks of the conformance records.
struct RevisionOptions: ParsableArguments {
    @Option(help: .source) var source: TreeSourceKind?
    @Option(help: .repository) var repo: String?
    @Option(help: .revision) var rev: String?
    @Option(help: .directory) var dir: String?

    func selection(config: ScorpioConfig) -> BaseSelection {
        BaseSelection(config: config, source: source, repo: repo, rev: rev, dir: dir)
    }
}

extension BaseSelection {
    /// The configuration's base with the command line's choices over it.
    init(config: ScorpioConfig, source: TreeSourceKind?, repo: String?, rev: String?, dir: String?) {
        self.init(config: config)
        if let source { kind = source }
        if dir != nil && source == nil { kind = .dir }
        if let repo { repository = FilePath(repo) }
        if let rev { revision = rev }
        if let dir { directory = FilePath(dir) }
    }
}
