import ArgumentParser
import ScorpioKit

/// The help of the options several commands declare for themselves. An option group costs every parse
/// of its command four walks of the binary's conformance records (~80 µs each, docs/benchmarks.md),
/// so an option that stands alone is declared in each command that takes it, with its help from here.
extension ArgumentHelp {
    /// `--cl`, for the commands that make a job: a change list's files over the base.
    static var changeList: ArgumentHelp {
        ArgumentHelp("Change list: its files over the base (a ref by cl_ref_pattern, default refs/cl/{cl}, or any revision).", valueName: "cl")
    }

    /// `--driver`, for the commands that mount a union, over config key `union_driver`.
    static var unionDriver: ArgumentHelp {
        ArgumentHelp("Union driver: auto, fuse or kernel (config key union_driver).", valueName: "driver")
    }

    /// `--daemon URL`: do the command through a running `scorpio serve` (upstream's `http-mount`)
    /// instead of in this process.
    static var daemon: ArgumentHelp {
        ArgumentHelp("Go through the daemon at this URL (http://127.0.0.1:2726); its token is api_token or SCORPIO_DAEMON_TOKEN.", valueName: "url")
    }

    /// The tree to serve, declared by ``RevisionOptions`` and ``BaseSourceOptions``.
    static var source: ArgumentHelp { ArgumentHelp("Source kind: git, dir or mega (config key source).", valueName: "kind") }
    static var repository: ArgumentHelp {
        ArgumentHelp("Git repository: a work tree, a directory in one, or a bare repository (default: the one containing the current directory).", valueName: "path")
    }
    static var revision: ArgumentHelp { ArgumentHelp("Revision: HEAD, a branch, a tag, a commit id, main~3 …", valueName: "rev") }
    static var directory: ArgumentHelp { ArgumentHelp("Directory served by the dir source.", valueName: "path") }
}

extension UnionDriver: ExpressibleByArgument {
    public static var allValueStrings: [String] { rawValues }
    public static var allValueDescriptions: [String: String] { [:] }
}

extension TreeSourceKind: ExpressibleByArgument {
    public static var allValueStrings: [String] { rawValues }
    public static var allValueDescriptions: [String: String] { [:] }
}
