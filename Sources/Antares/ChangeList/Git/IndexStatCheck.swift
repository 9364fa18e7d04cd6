import CGit2
import Glibc

/// Whether a work-tree file may differ from its index entry, judged from `lstat` alone as git judges it
/// (read-cache.c `ie_match_stat`): the file type, the owner's executable bit (`core.fileMode`), mtime,
/// ctime (`core.trustCTime`), nanoseconds, owner and inode (unless `core.checkStat = minimal`) and size.
/// An entry whose stat data matches is still in doubt when it is racily clean — written no earlier than
/// the index itself, so a change in the same tick would not show — or when git smudged its size to 0.
/// A file in doubt has its content compared afterwards; one that matches is unchanged.
struct IndexStatCheck: Sendable {
    var trustsExecutableBit = true
    var trustsCtime = true
    var checksAllStat = true
    /// The index file's mtime in seconds: entries modified in or after that second are racily clean.
    var indexSeconds: UInt32

    init(repository: GitRepository, indexTimestamp: timespec) {
        indexSeconds = UInt32(truncatingIfNeeded: indexTimestamp.tv_sec)
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, repository.handle) == 0, let config else { return }
        defer { git_config_free(config) }
        var flag: Int32 = 0
        if git_config_get_bool(&flag, config, "core.filemode") == 0 { trustsExecutableBit = flag != 0 }
        if git_config_get_bool(&flag, config, "core.trustctime") == 0 { trustsCtime = flag != 0 }
        var value: UnsafePointer<CChar>?
        if git_config_get_string(&value, config, "core.checkstat") == 0, let value {
            checksAllStat = String(cString: value).lowercased() != "minimal"
        }
    }

    /// Whether the file `status` describes must be treated as changed or compared by content.
    func isInDoubt(_ entry: GitIndexFile.Entry, _ status: stat) -> Bool {
        let type = status.st_mode & S_IFMT
        switch entry.mode & 0o170000 {
        case 0o100000:
            if type != S_IFREG { return true }
            if trustsExecutableBit, (entry.mode ^ UInt32(status.st_mode)) & 0o100 != 0 { return true }
        case 0o120000:
            if type != S_IFLNK { return true }
        default:
            return true
        }
        if entry.mtimeSeconds != UInt32(truncatingIfNeeded: status.st_mtim.tv_sec) { return true }
        if trustsCtime, checksAllStat, entry.ctimeSeconds != UInt32(truncatingIfNeeded: status.st_ctim.tv_sec) { return true }
        if checksAllStat {
            if entry.mtimeNanoseconds != UInt32(truncatingIfNeeded: status.st_mtim.tv_nsec) { return true }
            if trustsCtime, entry.ctimeNanoseconds != UInt32(truncatingIfNeeded: status.st_ctim.tv_nsec) { return true }
            if entry.uid != status.st_uid || entry.gid != status.st_gid { return true }
            if entry.inode != UInt32(truncatingIfNeeded: status.st_ino) { return true }
        }
        if entry.size != UInt32(truncatingIfNeeded: status.st_size) { return true }
        // Smudged by git when it wrote a racily clean entry: the size no longer says anything.
        if entry.size == 0, entry.objectID != .emptyBlob { return true }
        return indexSeconds <= entry.mtimeSeconds
    }
}
