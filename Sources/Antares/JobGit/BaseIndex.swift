import CGit2
import Glibc
import SystemPackage

/// The git index of a base commit as a job's view shows the commit's tree: every entry carries the
/// stat data the view serves for it (mtime and ctime the commit's time, the exact size, no inode or
/// device), so a clean `git status` in a job compares stat data only and reads no file. Built once per
/// commit into a cache directory (beside the shared base) and linked or copied into each job's `.git`.
enum BaseIndex {
    /// The index of `commit` in `directory`: linked from the first of `peers` (other caches, e.g. of
    /// bases over other clones) that has it, else built there. It depends on the commit alone.
    static func cached(_ commit: git_oid, of repository: GitRepository, in directory: FilePath, peers: [FilePath] = []) throws(AntaresError) -> FilePath {
        let name = commit.objectID.hex
        let index = directory.appending("\(name).index")
        if access(index.string, R_OK) == 0 { return index }
        do { try makeDirectory(directory) } catch { throw .layer(directory, reason: "cannot create the index cache: \(error)") }
        // One builder per commit; the others wait for its index.
        let lock = open(directory.appending("\(name).lock").string, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw .layer(directory, reason: "cannot lock the index cache: \(Errno(rawValue: errno))") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        if access(index.string, R_OK) == 0 { return index }
        for peer in peers where link(peer.appending("\(name).index").string, index.string) == 0 { return index }
        let building = directory.appending(".\(name).index.\(getpid())")
        do {
            try build(commit, of: repository, into: building)
            try Posix.rename(building.string, index.string)
        } catch {
            unlink(building.string)
            throw .layer(index, reason: "cannot build the index of \(commit.objectID.short): \(error)")
        }
        return index
    }

    /// Writes the index of `commit`'s tree to `path` with the view's stat data, and its cache tree.
    private static func build(_ commit: git_oid, of repository: GitRepository, into path: FilePath) throws {
        var id = commit
        var commitObject: OpaquePointer?
        guard git_commit_lookup(&commitObject, repository.handle, &id) == 0, let commitObject else { throw GitFailure("reading the commit") }
        defer { git_commit_free(commitObject) }
        let time = UInt32(truncatingIfNeeded: git_commit_time(commitObject))
        let bytes = try TreeIndexFile.bytes(of: git_commit_tree_id(commitObject).pointee, in: repository.handle, seconds: time)
        let descriptor = try Posix.open(path.string, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(descriptor) }
        _ = try FileDescriptor(rawValue: descriptor).writeAll(bytes)
        // Racily clean entries (mtime not before the index file's) would make git read them: the
        // index is dated after every entry, and not before now.
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let written = now.tv_sec > Int(time) ? now : timespec(tv_sec: Int(time) + 1, tv_nsec: 0)
        try Posix.check(futimens(descriptor, [written, written]))
    }
}

/// A libgit2 call that failed, with libgit2's message.
struct GitFailure: Error, CustomStringConvertible {
    let description: String

    init(_ operation: String) {
        description = "\(operation): \(GitRepository.lastErrorMessage)"
    }

    init(message: String) {
        description = message
    }
}
