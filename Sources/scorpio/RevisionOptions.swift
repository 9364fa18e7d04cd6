import ArgumentParser
import ScorpioKit
import SystemPackage

/// Which tree to serve; unset options come from the configuration (`source`, `repo`, `revision`).
struct RevisionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Source kind: git, dir or mega (config key source).", valueName: "kind"))
    var source: TreeSourceKind?

    @Option(help: ArgumentHelp("Git repository: a work tree, a directory in one, or a bare repository (default: the one containing the current directory).", valueName: "path"))
    var repo: String?

    @Option(help: ArgumentHelp("Revision: HEAD, a branch, a tag, a commit id, main~3 …", valueName: "rev"))
    var rev: String?

    @Option(help: ArgumentHelp("Directory served by the dir source.", valueName: "path"))
    var dir: String?

    func selection(config: ScorpioConfig) -> BaseSelection {
        var selection = BaseSelection(config: config)
        if let source { selection.kind = source }
        if dir != nil && source == nil { selection.kind = .dir }
        if let repo { selection.repository = FilePath(repo) }
        if let rev { selection.revision = rev }
        if let dir { selection.directory = FilePath(dir) }
        return selection
    }
}

extension TreeSourceKind: ExpressibleByArgument {
    public static var allValueStrings: [String] { rawValues }
    public static var allValueDescriptions: [String: String] { [:] }
}
