import Antares
import Dicfuse
import Foundation
import Glibc
import SystemPackage

/// The configured way to manage job mounts: paths, driver and base from `scorpio.toml`.
public enum JobManagement {
    /// The manager for `config`, with `base` naming the repository/revision jobs are built on, the
    /// driver its mounts get (resolve `auto` with ``DriverChoice``; a manager that only lists or
    /// unmounts needs none), and the number of finished jobs its state file remembers.
    /// `workTreeLayer`, when given, is the layer of the work tree's changes
    /// (`JobSpec.workTreeChangeList`) already computed. With `dictionaries` (a long-lived server's), its
    /// fuse-driver unions read their bases from dictionaries this process holds.
    public static func manager(
        config: ScorpioConfig, base: BaseSelection, driver: UnionDriverKind = .fuse,
        retainedFinishedJobs: Int = AntaresManager.defaultRetainedFinishedJobs, workTreeLayer: WorkingTreeLayer? = nil,
        dictionaries: BaseDictionaries? = nil, scratchUppers: Bool = false
    ) throws(ManagerError) -> AntaresManager {
        let paths = AntaresPaths(
            upperRoot: config.antares.upperRoot, changeListRoot: config.antares.clRoot,
            mountRoot: config.antares.mountRoot, stateFile: config.antares.stateFile)
        let bases = SharedBases(config: config)
        return AntaresManager(
            paths: paths, driver: driver,
            leaseBase: { job, spec throws(ManagerError) in
                do {
                    let selection = base.applying(spec)
                    return try bases.lease(
                        selection, owner: spec.owner, holder: "job \(job)", dictionaries: driver == .fuse ? dictionaries : nil,
                        whileStarting: { revisionID, directory in
                            repositoryOrigin(of: selection, revisionID: revisionID, baseDirectory: directory)?.prepareIndex()
                        })
                } catch let error as BaseSourceError {
                    if case .source(let sourceError) = error { throw .base(sourceError) }
                    throw .union(.baseMount("\(error)"))
                } catch {
                    throw .union(.baseMount("\(error)"))
                }
            },
            buildChangeList: { spec, directory throws(ManagerError) in
                try writeChangeList(spec, into: directory, base: base.applying(spec), config: config, workTreeLayer: workTreeLayer)
            },
            repositoryOrigin: { spec, lease in repositoryOrigin(of: base.applying(spec), lease: lease) },
            retainedFinishedJobs: retainedFinishedJobs, scratchUppers: scratchUppers)
    }

    /// What a job's own `.git` describes: a git base served whole, at the commit its shared base
    /// serves, with the base's index kept beside the base (linked from another base's, over another
    /// clone at the same commit, if one has it). A sub-path of the tree has none (git cannot have a
    /// work tree that is a subdirectory of its commits' trees).
    static func repositoryOrigin(of base: BaseSelection, lease: any BaseLease) -> JobRepositoryOrigin? {
        guard let lease = lease as? SharedBaseLease else { return nil }
        return repositoryOrigin(of: base, revisionID: lease.revisionID, baseDirectory: lease.directory)
    }

    private static func repositoryOrigin(of base: BaseSelection, revisionID: String, baseDirectory: FilePath) -> JobRepositoryOrigin? {
        guard base.kind == .git, base.subdirectory.split(separator: "/").isEmpty, let key = baseDirectory.lastComponent else { return nil }
        let root = baseDirectory.removingLastComponent()
        let directory = SharedBaseDirectory(root: root, key: key.string)
        let others = SharedBaseDirectory.all(under: root).filter { $0.key != directory.key }
        return JobRepositoryOrigin(
            repository: base.repository ?? ".", commit: revisionID, indexCache: directory.gitIndex, layerCache: directory.gitLayers,
            indexPeers: others.map(\.gitIndex))
    }

    /// Writes the layer of `spec`'s CL: for a git base, the CL ref (`cl_ref_pattern`) or revision
    /// against the merge base with the job's base revision; for the Mega server, its CL file list.
    static func writeChangeList(
        _ spec: JobSpec, into directory: FilePath, base: BaseSelection, config: ScorpioConfig, workTreeLayer: WorkingTreeLayer? = nil
    ) throws(ManagerError) {
        guard let cl = spec.cl else { return }
        if cl == JobSpec.workTreeChangeList {
            do {
                let layer = try workTreeLayer ?? WorkingTreeChanges(
                    repository: (base.repository ?? ".").string, excluding: [ArtifactsExclusion(directory: config.artifacts.directory()).directory]
                ).changes()
                try ChangeListLayerWriter(destination: directory).write(layer.changes)
            } catch {
                throw .changeList("the work tree's changes", reason: "\(error)")
            }
            return
        }
        if base.kind == .mega {
            do {
                guard let source = try base.openSource(config: config) as? MegaTreeSource else { return }
                try ChangeListLayerWriter(destination: directory).write(LayerChanges(megaChangeList: cl, from: source))
            } catch {
                throw .changeList(cl, reason: "\(error)")
            }
            return
        }
        guard base.kind == .git else {
            throw .changeList(cl, reason: "a plain directory has no change lists; use a git or Mega base")
        }
        do {
            let changeList = GitChangeList(repository: (base.repository ?? ".").string, referencePattern: config.treeSource.clRefPattern)
            let resolved = try changeList.changes(of: cl, over: base.revision)
            try ChangeListLayerWriter(destination: directory).write(resolved.changes)
        } catch {
            throw .changeList(cl, reason: "\(error)")
        }
    }
}

extension ManagerError: ScorpioFailure {
    public var exitStatus: ScorpioExitStatus {
        switch self {
        case .union, .mountpointOccupied: .mountFailure
        case .invalidJobID: .usageError
        default: .failure
        }
    }
}

extension JobManagement {
    /// What job `record` changed, from its upper directory, with its base opened to tell additions from
    /// modifications and to leave out copy-ups that changed nothing.
    public static func changes(of record: MountRecord, config: ScorpioConfig, base: BaseSelection) throws(BaseSourceError) -> [UpperChange] {
        // A job that wrote nothing changed nothing: no need to open its base to tell what.
        if ((try? FileManager.default.contentsOfDirectory(atPath: record.upper)) ?? []).isEmpty { return [] }
        let selection = base.applying(record.spec)
        let source = try selection.openSource(config: config)
        let store: ContentStore
        do { store = try ContentStore(root: config.storePath) } catch { throw .source(error) }
        let dicfuse = Dicfuse(source: source, store: store)
        let changeList = record.changeList.map { FilePath($0) }
        let unchanged = UnchangedCopyUps(upper: FilePath(record.upper), changeList: changeList, dicfuse: dicfuse)
        let changes = UpperChanges(upper: FilePath(record.upper)).list { path in
            if let changeList {
                var st = stat()
                if lstat(changeList.appending(path).string, &st) == 0 {
                    if OverlayFormat.isWhiteout(st) { return nil }
                    return st.st_mode & S_IFMT == S_IFDIR
                }
            }
            guard let inode = try? dicfuse.resolve(FilePath(path)), let attributes = try? dicfuse.attributes(of: inode) else { return nil }
            return attributes.mode & S_IFMT == S_IFDIR
        }
        return changes.filter { !isJobGitDirectory($0.path) && ($0.kind != .modified || !unchanged.isUnchanged($0.path)) }
    }

    /// Whether `path` is the job's own `.git` or inside it: git's state in the job, never part of what
    /// the job changed.
    static func isJobGitDirectory(_ path: String) -> Bool {
        path == ".git" || path.hasPrefix(".git/")
    }
}

extension BaseSelection {
    /// This selection with what a job's spec names: its path, and its repository and revision if given.
    public func applying(_ spec: JobSpec) -> BaseSelection {
        var selection = self
        selection.subdirectory = spec.path
        if let repository = spec.repository { selection.repository = FilePath(repository) }
        if let revision = spec.revision { selection.revision = revision }
        return selection
    }
}

extension JobSpec {
    /// The change list that stands for a work tree's uncommitted and untracked changes (`scorpio run`
    /// from a dirty work tree).
    public static let workTreeChangeList = "@worktree"
}
