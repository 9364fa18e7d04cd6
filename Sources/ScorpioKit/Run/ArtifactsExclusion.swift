import Glibc
import SystemPackage

/// The artifacts directory of a run, which is never part of a job's input nor of its artifact, wherever
/// it is (even inside the work tree).
struct ArtifactsExclusion {
    /// Absolute, with symlinks resolved as far as it exists (as the work tree's root is).
    let directory: FilePath

    init(directory: FilePath) {
        var existing = directory
        var rest: [FilePath.Component] = []
        var resolved = Self.realPath(existing)
        while resolved == nil, let last = existing.lastComponent {
            rest.insert(last, at: 0)
            existing.removeLastComponent()
            resolved = Self.realPath(existing)
        }
        self.directory = (resolved ?? existing).appending(rest)
    }

    /// Whether `path` (relative to the root of a view that appears at `view`) is in the directory.
    func covers(_ path: String, inViewAt view: FilePath) -> Bool {
        var relative = directory
        guard relative.removePrefix(view), !relative.isEmpty else { return false }
        return path == relative.string || path.hasPrefix(relative.string + "/")
    }

    private static func realPath(_ path: FilePath) -> FilePath? {
        guard let resolved = realpath(path.string, nil) else { return nil }
        defer { free(resolved) }
        return FilePath(String(cString: resolved))
    }
}
