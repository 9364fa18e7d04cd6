import CGit2
import Crypto
import Dicfuse
import Foundation
import FuseKit
import Glibc
import SystemPackage

/// What a job's `.git` describes: the host repository and the base commit the job's view serves.
public struct JobRepositoryOrigin: Sendable, Equatable {
    /// The host repository: a work tree, any directory inside one, or a bare repository.
    public var repository: FilePath
    /// The base commit's full id.
    public var commit: String
    /// Where the commit's index is built once and kept for every job on it (beside the shared base).
    public var indexCache: FilePath
    /// Where each distinct `.git` layer is made once and kept for every job that needs it (beside the
    /// shared base, so it goes with the base).
    public var layerCache: FilePath
    /// Other index caches that may hold the commit's index already (those of bases over other clones
    /// of the repository): it is linked from there instead of built again.
    public var indexPeers: [FilePath]

    public init(repository: FilePath, commit: String, indexCache: FilePath, layerCache: FilePath, indexPeers: [FilePath] = []) {
        self.repository = repository
        self.commit = commit
        self.indexCache = indexCache
        self.layerCache = layerCache
        self.indexPeers = indexPeers
    }

    /// Builds the commit's index into `indexCache` ahead of the first job's `.git` layer, if it is not
    /// there yet. Errors are left for that layer to report.
    public func prepareIndex() {
        var id = git_oid()
        guard git_oid_fromstr(&id, commit) == 0, let repository = try? GitRepository(at: repository.string) else { return }
        _ = try? BaseIndex.cached(id, of: repository, in: indexCache, peers: indexPeers)
    }
}

/// One file of a job's `.git` layer: its path relative to `.git`, and what it holds.
struct GitFile {
    let name: String
    let contents: [UInt8]

    init(_ name: String, _ contents: [UInt8]) {
        self.name = name
        self.contents = contents
    }

    init(_ name: String, _ text: String) {
        self.init(name, Array(text.utf8))
    }
}

/// A job's git directory: a lower layer of its union holding `.git` (the same read-only layer for every
/// job over the same repository state), so git inside the job sees a repository whose HEAD is the base
/// commit and whose index is the base's tree with the stat data the view serves. `git status` and
/// `git diff` then show what the change list and the job changed.
///
/// Nothing of it is shared with the host repository: HEAD, the refs (heads, tags, remotes) and a few
/// config entries (remotes, branch upstreams) are copied; objects are read through
/// `objects/info/alternates` from the host's object directory, bound read-only at `.git/host-objects`
/// over the mounted union (so the sandbox, where the view hides the host's work tree, sees it too, and
/// git cannot even refresh a host pack's mtime). Whatever git writes — objects, index, refs — is copied
/// up into the job's upper like any other write.
struct JobGitDirectory: Sendable {
    /// The directory holding `.git`.
    let layer: FilePath
    /// The host repository's object directory.
    let hostObjects: FilePath
    /// Whether `hostObjects` is bound over the mounted union (needs the privilege to mount); otherwise
    /// the alternates name it by its own path.
    let bindsHostObjects: Bool
    /// Keeps the layer from being pruned while this value lives (see ``GitLayerHolds``).
    let hold: GitLayerHold?

    static let hostObjectsName = "host-objects"
    /// The git config a job's repository gets; only what the view keeps stable is compared by stat:
    /// whole-second mtime and size (inode numbers and ctimes differ from view to view).
    static let config: [(String, String)] = [
        ("repositoryformatversion", "0"), ("filemode", "true"), ("bare", "false"), ("logallrefupdates", "true"),
        ("checkStat", "minimal"), ("trustctime", "false"),
    ]

    /// The `.git` layer of `origin` as `owner`'s: made once per distinct content (commit, host refs and
    /// config, owner) under `origin.layerCache`, named by the digest of that content, and found there by
    /// every later job that needs the same: by the host repository's state (``HostRepositoryState``)
    /// while that stays as it was, else by reading the refs again. A layer is never written once made:
    /// each job's git writes go to its own upper, like any other write through the union. The job holds
    /// its layer while the value lives; making a new layer prunes the ones no job holds.
    static func layer(for origin: JobRepositoryOrigin, owner: FileOwner?) throws(AntaresError) -> JobGitDirectory {
        do {
            let repository = try GitRepository(at: origin.repository.string)
            var commit = git_oid()
            guard git_oid_fromstr(&commit, origin.commit) == 0 else { throw GitFailure("reading the commit id \(origin.commit)") }
            let common = FilePath(String(cString: git_repository_commondir(repository.handle)))
            let hostObjects = common.appending("objects").lexicallyNormalized()
            let bindsHostObjects = geteuid() == 0
            let index = try BaseIndex.cached(commit, of: repository, in: origin.indexCache, peers: origin.indexPeers)
            // Held before it is looked for, so no other job's pruning removes it from under this one.
            func layer(_ name: String) -> JobGitDirectory {
                JobGitDirectory(
                    layer: origin.layerCache.appending(name), hostObjects: hostObjects, bindsHostObjects: bindsHostObjects,
                    hold: GitLayerHold.take(name, in: origin.layerCache))
            }
            // The host's state is taken before its refs are read: a change meanwhile gives the next job
            // another state, never this one with the older refs.
            let records = HostStateRecords(layerCache: origin.layerCache)
            let stateKey = HostRepositoryState(
                gitDirectory: FilePath(String(cString: git_repository_path(repository.handle))), commonDirectory: common, hostObjects: hostObjects
            ).map { HostStateRecords.key($0, commit: origin.commit, index: index, owner: owner, objects: "\(hostObjects) \(bindsHostObjects)") }
            if let stateKey, let name = records.layer(stateKey) {
                let recorded = layer(name)
                if isDirectory(recorded.layer) { return recorded }
            }
            let files = try files(of: repository, common: common, commit: commit, hostObjects: hostObjects, bindsHostObjects: bindsHostObjects)
            let name = digest(of: files, index: index, owner: owner)
            let directory = layer(name)
            if !isDirectory(directory.layer) {
                let holds = GitLayerHolds(layerCache: origin.layerCache)
                try directory.publish(files, index: index, owner: owner, staging: holds.staging(name))
                holds.prune(keeping: name)
            }
            if let stateKey { records.record(name, under: stateKey) }
            return directory
        } catch let error as AntaresError {
            throw error
        } catch {
            throw .layer(origin.layerCache, reason: "cannot write the job's git directory: \(error)")
        }
    }

    /// Writes the layer at `staging` and renames it into place; a layer another job published meanwhile
    /// under the same name (the same content) is kept instead.
    private func publish(_ files: [GitFile], index: FilePath, owner: FileOwner?, staging: FilePath) throws {
        defer { Posix.removeTree(staging.string) }
        let git = staging.appending(".git")
        for directory in ["objects/info", "objects/pack", "refs/heads", "refs/tags", Self.hostObjectsName] {
            try makeDirectory(git.appending(directory))
        }
        for file in files {
            try makeDirectory(git.appending(file.name).removingLastComponent())
            try Self.writeFile(git.appending(file.name), file.contents)
        }
        if let owner { try Posix.changeOwnerOfTree(staging.string, to: owner) }
        try Self.linkIndex(index, as: git.appending("index"), owner: owner)
        if rename(staging.string, layer.string) != 0 {
            let error = Errno(rawValue: errno)
            guard isDirectory(layer) else { throw error }
        }
    }

    /// What names a layer: a SHA-256 of every file it holds, the index it links and the owner it is
    /// given to (hashed as it goes: at tens of thousands of refs, `packed-refs` is megabytes).
    private static func digest(of files: [GitFile], index: FilePath, owner: FileOwner?) -> String {
        var hasher = SHA256()
        func add(_ text: String) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        add("index \(index)\nowner \(owner.map { "\($0.uid):\($0.gid)" } ?? "-")\n")
        for file in files {
            add("\(file.name) \(file.contents.count)\n")
            file.contents.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return ObjectID(bytes: Array(hasher.finalize())).hex
    }

    /// The files of a job's `.git` besides its index, relative to it.
    private static func files(of repository: GitRepository, common: FilePath, commit: git_oid, hostObjects: FilePath, bindsHostObjects: Bool)
        throws -> [GitFile]
    {
        [GitFile("HEAD", head(of: repository, commit: commit))] + (try HostRefs(commonDirectory: common).files) + [
            GitFile("config", configText(copying: repository)),
            GitFile("objects/info/alternates", alternates(hostObjects: hostObjects, bindsHostObjects: bindsHostObjects)),
        ]
    }

    /// HEAD names the host's current branch when that branch is the base commit, else the commit itself.
    private static func head(of repository: GitRepository, commit: git_oid) -> String {
        var head: OpaquePointer?
        guard git_reference_lookup(&head, repository.handle, "HEAD") == 0, let head else { return "\(commit.objectID.hex)\n" }
        defer { git_reference_free(head) }
        if git_reference_type(head) == GIT_REFERENCE_SYMBOLIC, let target = git_reference_symbolic_target(head).map({ String(cString: $0) }),
            target.hasPrefix("refs/heads/"), repository.commit(reference: target)?.isSame(as: commit) == true
        {
            return "ref: \(target)\n"
        }
        return "\(commit.objectID.hex)\n"
    }

    /// The job's config, with the host's remotes and branch upstreams (its local config only).
    private static func configText(copying repository: GitRepository) -> String {
        let text = "[core]\n" + Self.config.map { "\t\($0.0) = \($0.1)\n" }.joined()
        var configuration: OpaquePointer?
        var local: OpaquePointer?
        guard git_repository_config_snapshot(&configuration, repository.handle) == 0, let configuration else { return text }
        defer { git_config_free(configuration) }
        guard git_config_open_level(&local, configuration, GIT_CONFIG_LEVEL_LOCAL) == 0, let local else { return text }
        defer { git_config_free(local) }
        var iterator: OpaquePointer?
        guard git_config_iterator_glob_new(&iterator, local, #"^(remote\..+\.(url|pushurl|fetch)|branch\..+\.(remote|merge))$"#) == 0,
            let iterator
        else { return text }
        defer { git_config_iterator_free(iterator) }
        var sections: [(header: String, lines: String)] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while git_config_next(&entry, iterator) == 0, let current = entry {
            let name = String(cString: current.pointee.name)
            guard let firstDot = name.firstIndex(of: "."), let lastDot = name.lastIndex(of: "."), firstDot < lastDot else { continue }
            let subsection = name[name.index(after: firstDot)..<lastDot]
            let header = "[\(name[..<firstDot]) \(Self.quoted(subsection))]\n"
            let line = "\t\(name[name.index(after: lastDot)...]) = \(Self.quoted(String(cString: current.pointee.value)))\n"
            if let index = sections.firstIndex(where: { $0.header == header }) {
                sections[index].lines += line
            } else {
                sections.append((header, line))
            }
        }
        return text + sections.map { $0.header + $0.lines }.joined()
    }

    /// A config subsection name or value in double quotes, escaped as git reads it back.
    private static func quoted<S: StringProtocol>(_ text: S) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result + "\""
    }

    /// The host's objects (bound over the union, named relative to this objects directory; or by their
    /// own path), then the host's own alternates by absolute path.
    private static func alternates(hostObjects: FilePath, bindsHostObjects: Bool) -> String {
        var lines = [bindsHostObjects ? "../\(hostObjectsName)" : hostObjects.string]
        let hostAlternates = (try? String(contentsOfFile: hostObjects.appending("info/alternates").string, encoding: .utf8)) ?? ""
        for line in hostAlternates.split(separator: "\n") where !line.isEmpty && !line.hasPrefix("#") {
            let path = FilePath(String(line))
            lines.append(path.isAbsolute ? path.string : hostObjects.pushing(path).lexicallyNormalized().string)
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// The cached index as this job's: a hard link where the layer and the cache share a filesystem and
    /// the cached file is already the layer's owner's (git replaces the index through the union, which
    /// writes only the upper, so the cached file is never written), else a copy given to that owner.
    private static func linkIndex(_ cached: FilePath, as target: FilePath, owner: FileOwner?) throws {
        let input = try Posix.open(cached.string, O_RDONLY)
        defer { close(input) }
        let status = try Posix.fstat(input)
        // A link is the cached file itself, shared by every layer that links it (other bases' too):
        // a layer whose owner is not the file's gets a copy of its own.
        let uid = owner?.uid ?? geteuid(), gid = owner?.gid ?? getegid()
        if status.st_uid == uid && status.st_gid == gid && link(cached.string, target.string) == 0 { return }
        let output = try Posix.open(target.string, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(output) }
        try Posix.copyData(from: input, to: output, count: UInt64(status.st_size))
        try Posix.check(futimens(output, [status.st_mtim, status.st_mtim]))
        if let owner { try Posix.check(fchown(output, owner.uid, owner.gid)) }
    }

    private static func writeFile(_ path: FilePath, _ contents: [UInt8]) throws {
        let descriptor = try Posix.open(path.string, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(descriptor) }
        _ = try FileDescriptor(rawValue: descriptor).writeAll(contents)
    }

    // MARK: - The host's objects over a mounted union

    /// Binds the host's object directory, read-only, at `.git/host-objects` of the union at `mountpoint`.
    func attach(to mountpoint: FilePath) throws(AntaresError) {
        guard bindsHostObjects else { return }
        let target = Self.hostObjectsMountpoint(in: mountpoint)
        guard Glibc.mount(hostObjects.string, target.string, nil, UInt(MS_BIND), nil) == 0 else {
            throw .layer(target, reason: "cannot bind the repository's objects \(hostObjects) there: \(Errno(rawValue: errno))")
        }
        guard Glibc.mount(nil, target.string, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) == 0 else {
            let error = Errno(rawValue: errno)
            umount2(target.string, Int32(MNT_DETACH))
            throw .layer(target, reason: "cannot make the repository's objects read-only there: \(error)")
        }
    }

    /// Unbinds the host's objects from the union at `mountpoint`, if they are bound there; when busy,
    /// detaches them if `lazy`, else fails.
    static func detach(from mountpoint: FilePath, lazy: Bool) throws(AntaresError) {
        let target = hostObjectsMountpoint(in: mountpoint)
        guard MountTable.mount(at: target) != nil else { return }
        do {
            try MountTable.unmount(target, lazy: false)
        } catch .busy where lazy {
            umount2(target.string, Int32(MNT_DETACH))
        } catch .busy {
            throw .busy(mountpoint)
        } catch .notMounted {
            // Already gone.
        } catch {
            throw .unmount(target, reason: "\(error)")
        }
    }

    static func hostObjectsMountpoint(in mountpoint: FilePath) -> FilePath {
        mountpoint.appending(".git").appending(hostObjectsName)
    }
}
