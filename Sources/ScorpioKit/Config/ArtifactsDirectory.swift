import Foundation
import Glibc
import SystemPackage

extension ArtifactSettings {
    /// Where artifacts go: `artifacts_dir` if set (a relative one below `currentDirectory`), else the
    /// user's state directory, `$XDG_STATE_HOME/scorpio/artifacts` or `~/.local/state/scorpio/artifacts`
    /// (root's too): outside any work tree, so that one job's artifacts never become the next one's input.
    public func directory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: FilePath = FilePath(FileManager.default.currentDirectoryPath)
    ) -> FilePath {
        if let directory { return currentDirectory.pushing(directory).lexicallyNormalized() }
        return Self.stateHome(environment: environment).appending("scorpio").appending("artifacts")
    }

    /// `$XDG_STATE_HOME` when it is an absolute path (the XDG rule), else `$HOME/.local/state`, with the
    /// home directory from the password database when HOME is unset.
    static func stateHome(environment: [String: String]) -> FilePath {
        if let state = environment["XDG_STATE_HOME"], FilePath(state).isAbsolute { return FilePath(state) }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? getpwuid(getuid()).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } } ?? "/"
        return FilePath(home).appending(".local").appending("state")
    }
}
