import CGit2
import Glibc
import SystemPackage

/// The untracked files `git status -uall` lists, from the untracked names a ``WorkTreeScan`` found: those
/// git ignores are dropped (libgit2's ignore rules: `.gitignore` files, `info/exclude`,
/// `core.excludesFile`, a path below an ignored directory ignored too), untracked directories are
/// walked, and nested repositories are left out as git leaves them.
struct UntrackedFiles {
    private(set) var paths: [String] = []
    private let repository: GitRepository
    private let workTree: FilePath
    private let isExcluded: (String) -> Bool

    /// - Parameter isExcluded: paths left out whatever git says (not even listed).
    init(
        _ candidates: [WorkTreeScan.Untracked], repository: GitRepository, workTree: FilePath, excluding isExcluded: @escaping (String) -> Bool
    ) throws(ChangeListError) {
        self.repository = repository
        self.workTree = workTree
        self.isExcluded = isExcluded
        for candidate in candidates {
            try add(String(decoding: candidate.path, as: UTF8.self), isDirectory: candidate.isDirectory)
        }
    }

    private mutating func add(_ path: String, isDirectory: Bool) throws(ChangeListError) {
        if isExcluded(path) { return }
        if try Self.isIgnored(path, in: repository) { return }
        guard isDirectory else {
            paths.append(path)
            return
        }
        let directory = workTree.appending(path)
        if Posix.lstat(directory.appending(".git").string) != nil { return }
        let entries: [(name: String, type: UInt8)]
        do { entries = try Posix.listDirectory(directory.string) } catch .permissionDenied {
            return  // git passes over a directory it cannot read, too
        } catch {
            throw .layer(directory, reason: "cannot list the untracked directory: \(error)")
        }
        for entry in entries where entry.name != ".git" {
            var isDirectory = entry.type == UInt8(DT_DIR)
            if entry.type == UInt8(DT_UNKNOWN) { isDirectory = Posix.lstat(directory.appending(entry.name).string)?.isDirectory == true }
            try add(path + "/" + entry.name, isDirectory: isDirectory)
        }
    }

    /// Whether git ignores `path` (relative to the work tree), by libgit2's rules.
    static func isIgnored(_ path: String, in repository: GitRepository) throws(ChangeListError) -> Bool {
        var ignored: Int32 = 0
        guard git_ignore_path_is_ignored(&ignored, repository.handle, path) == 0 else {
            throw .git("reading the ignore rules for \(path)", reason: GitRepository.lastErrorMessage)
        }
        return ignored != 0
    }
}
