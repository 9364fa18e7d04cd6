import ArgumentParser
import Foundation
import ScorpioKit
import SystemPackage

/// Which base to serve; unset options come from the configuration (`source`, `repo`, `revision`).
struct BaseSourceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Source kind: git, dir or mega (config key source).", valueName: "kind"))
    var source: TreeSourceKind?

    @Option(help: ArgumentHelp("Git repository: a work tree, a directory in one, or a bare repository (default: the one containing the current directory).", valueName: "path"))
    var repo: String?

    @Option(help: ArgumentHelp("Revision: HEAD, a branch, a tag, a commit id, main~3 …", valueName: "rev"))
    var rev: String?

    @Option(help: ArgumentHelp("Serve only this directory of the tree as the root.", valueName: "subdir"))
    var path: String?

    @Option(help: ArgumentHelp("Directory served by the dir source.", valueName: "path"))
    var dir: String?

    func selection(config: ScorpioConfig) -> BaseSelection {
        var selection = BaseSelection(config: config)
        if let source { selection.kind = source }
        if dir != nil && source == nil { selection.kind = .dir }
        if let repo { selection.repository = FilePath(repo) }
        if let rev { selection.revision = rev }
        if let path { selection.subdirectory = path }
        if let dir { selection.directory = FilePath(dir) }
        return selection
    }

    /// What a job records of these choices and its change list, so later commands (diff, export)
    /// reopen the same base.
    func jobSpec(changeList: ChangeListOption) -> JobSpec {
        let repository = repo.map { path in path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path }
        return JobSpec(path: path ?? "", cl: changeList.cl, repository: repository, revision: rev)
    }
}

extension TreeSourceKind: ExpressibleByArgument {}
