import ArgumentParser
import Foundation
import ScorpioKit

/// Which base a job (or a served base) is: a tree, and the directory of it to serve as the root.
struct BaseSourceOptions: ParsableArguments {
    @OptionGroup var revision: RevisionOptions

    @Option(help: ArgumentHelp("Serve only this directory of the tree as the root.", valueName: "subdir"))
    var path: String?

    func selection(config: ScorpioConfig) -> BaseSelection {
        var selection = revision.selection(config: config)
        if let path { selection.subdirectory = path }
        return selection
    }

    /// What a job records of these choices and its change list, so later commands (diff, export)
    /// reopen the same base.
    func jobSpec(changeList: ChangeListOption) -> JobSpec {
        let repository = revision.repo.map { path in path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path }
        return JobSpec(path: path ?? "", cl: changeList.cl, repository: repository, revision: revision.rev)
    }
}
