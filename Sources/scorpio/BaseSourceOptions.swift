import ArgumentParser
import Foundation
import ScorpioKit

/// Which base a job (or a served base) is: a tree (``RevisionOptions``' options), and the directory of
/// it to serve as the root.
struct BaseSourceOptions: ParsableArguments {
    @Option(help: .source) var source: TreeSourceKind?
    @Option(help: .repository) var repo: String?
    @Option(help: .revision) var rev: String?
    @Option(help: .directory) var dir: String?

    @Option(help: ArgumentHelp("Serve only this directory of the tree as the root.", valueName: "subdir"))
    var path: String?

    static var quickSyntax: QuickSyntax<BaseSourceOptions> {
        QuickSyntax(options: [
            .value("--source") { $0.source = $1 }, .value("--repo") { $0.repo = $1 }, .value("--rev") { $0.rev = $1 },
            .value("--dir") { $0.dir = $1 }, .value("--path") { $0.path = $1 },
        ])
    }

    func selection(config: ScorpioConfig) -> BaseSelection {
        var selection = BaseSelection(config: config, source: source, repo: repo, rev: rev, dir: dir)
        if let path { selection.subdirectory = path }
        return selection
    }

    /// What a job records of these choices and its change list, so later commands (diff, export)
    /// reopen the same base.
    func jobSpec(cl: String?) -> JobSpec {
        let repository = repo.map { path in path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path }
        return JobSpec(path: path ?? "", cl: cl, repository: repository, revision: rev)
    }
}
