import Crypto
import Dicfuse
import Glibc
import SystemPackage

/// A cheap stand-in for what a job's `.git` layer copies from the host repository (HEAD, the refs,
/// the local config, the objects' alternates): the identity and times of the files git replaces and of
/// the ref directories it writes into. Git changes each of them through a lock file renamed into place,
/// so any change gives the file a new inode, or its directory a new modification time. A layer recorded
/// under an unchanged state is taken again without listing the refs, which costs a job about 0.1 s per
/// 50,000 refs. Like git's racily clean index entries, a state touched in the last two seconds is not
/// trusted: a second change within the same clock tick could leave every time as it was.
struct HostRepositoryState {
    /// The files and ref directories, each with its device, inode, size and times (or `-` where absent).
    let text: String

    /// Nil where something of it changed too recently to be told from a later change.
    init?(gitDirectory: FilePath, commonDirectory: FilePath, hostObjects: FilePath) {
        var lines: [String] = []
        let trustedBefore = Self.nanoseconds(Self.now()) - 2_000_000_000
        var recent = false
        func note(_ path: FilePath) {
            guard let status = Posix.lstat(path.string) else {
                lines.append("\(path) -")
                return
            }
            recent = recent || Self.nanoseconds(status.st_mtim) > trustedBefore || Self.nanoseconds(status.st_ctim) > trustedBefore
            lines.append(
                "\(path) \(status.st_dev) \(status.st_ino) \(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec) "
                    + "\(status.st_ctim.tv_sec).\(status.st_ctim.tv_nsec)")
        }
        note(gitDirectory.appending("HEAD"))
        for name in ["config", "packed-refs", "reftable", "refs"] { note(commonDirectory.appending(name)) }
        for name in ["heads", "tags", "remotes"] { Self.directories(under: commonDirectory.appending("refs/\(name)"), note) }
        note(hostObjects.appending("info/alternates"))
        guard !recent else { return nil }
        text = lines.joined(separator: "\n")
    }

    /// `directory` and every directory below it, in a stable order.
    private static func directories(under directory: FilePath, _ visit: (FilePath) -> Void) {
        visit(directory)
        let entries = (try? Posix.listDirectory(directory.string)) ?? []
        let subdirectories = entries.filter { $0.type == DT_DIR || $0.type == DT_UNKNOWN && isDirectory(directory.appending($0.name)) }
        for entry in subdirectories.sorted(by: { $0.name < $1.name }) { directories(under: directory.appending(entry.name), visit) }
    }

    private static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    private static func nanoseconds(_ time: timespec) -> Int { time.tv_sec * 1_000_000_000 + time.tv_nsec }
}

/// The layers recorded under host repository states: `{layer cache}/.host-states/{key}`, a symbolic
/// link to the layer's name, the key a digest of the state and of what else names the layer.
struct HostStateRecords {
    let directory: FilePath

    init(layerCache: FilePath) { directory = layerCache.appending(".host-states") }

    /// The digest naming a state's record.
    static func key(_ state: HostRepositoryState, commit: String, index: FilePath, owner: FileOwner?, objects: String) -> String {
        let text = "\(state.text)\ncommit \(commit)\nindex \(index)\nowner \(owner?.description ?? "-")\nobjects \(objects)"
        return ObjectID(bytes: Array(SHA256.hash(data: Array(text.utf8)))).hex
    }

    /// The name of the layer recorded under `key`, if there is one.
    func layer(_ key: String) -> String? { try? Posix.readlink(directory.appending(key).string) }

    /// Records `layer` under `key` (a link made aside and renamed into place). A failure only costs a
    /// later job the listing of the refs.
    func record(_ layer: String, under key: String) {
        mkdir(directory.string, 0o755)
        let staging = directory.appending(".\(key).\(getpid())")
        unlink(staging.string)
        guard symlink(layer, staging.string) == 0 else { return }
        if rename(staging.string, directory.appending(key).string) != 0 { unlink(staging.string) }
    }

    /// Removes the records naming any of `layers` (pruned).
    func forget(layers: Set<String>) {
        for entry in (try? Posix.listDirectory(directory.string)) ?? [] where !entry.name.hasPrefix(".") {
            let record = directory.appending(entry.name).string
            if let layer = try? Posix.readlink(record), layers.contains(layer) { unlink(record) }
        }
    }
}
