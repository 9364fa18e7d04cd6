import Glibc
import Synchronization
import SystemPackage

/// One pass over a work tree against its index, directory by directory on several threads, as
/// `git status` makes it: each tracked file is `lstat`ed and checked as git checks stat data
/// (``IndexStatCheck``), and each directory the index knows is listed once for names it does not know
/// (untracked candidates) — except below a directory git ignores, where nothing can be untracked and
/// only the tracked files are looked at. Nothing is hashed here: the result is what may have changed.
struct WorkTreeScan {
    /// A path in the work tree the index does not track (ignore rules not applied yet).
    struct Untracked {
        var path: [UInt8]
        var isDirectory: Bool
    }

    /// Index entries whose file is missing, of another type, or whose stat data does not vouch for it.
    private(set) var doubtfulEntries: [Int32] = []
    private(set) var untracked: [Untracked] = []

    /// - Parameter isIgnored: whether git ignores the tracked directory at this path (asked for the
    ///   top-level directories only: that is where whole trees are ignored, as Debian's kernel tree does
    ///   with `/*`; below, a directory is listed, and whatever is untracked in it asked about on its own).
    init(
        workTree: FilePath, index: GitIndexFile, directories: IndexDirectories, check: IndexStatCheck,
        isIgnored: (String) throws(ChangeListError) -> Bool
    ) throws(ChangeListError) {
        let count = directories.count
        var listed = [Bool](repeating: true, count: count)
        for sub in directories[0].subdirectories {
            let directory = directories[sub]
            let name = String(decoding: index.paths[Int(directory.nameStart)..<Int(directory.nameStart + directory.nameLength)], as: UTF8.self)
            if try isIgnored(name) { listed[Int(sub)] = false }
        }
        for id in 1..<max(count, 1) where !listed[Int(directories[Int32(id)].parent)] {
            listed[id] = false
        }

        let root = open(workTree.string, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw .layer(workTree, reason: "cannot open the work tree: \(Errno(rawValue: errno))") }
        defer { close(root) }
        let results = Mutex<[DirectoryScan]>([])
        let next = Atomic<Int>(0)
        // As git's preload: threads by the size of the index, not by cores, since a thread mostly waits
        // for a path lookup (on a cold cache, for the disk); fewer than git's 20.
        ParallelWork.run(threads: min(8, max(1, index.entries.count / 4000))) { [listed] in
            var scan = DirectoryScan(root: root)
            while true {
                let id = next.add(1, ordering: .relaxed).oldValue
                guard id < count else { break }
                scan.scan(Int32(id), listing: listed[id], index: index, directories: directories, check: check)
            }
            results.withLock { $0.append(scan) }
        }
        let scans = results.withLock { $0 }
        // A tracked directory found replaced by a file or symlink, or gone: everything below it is gone too.
        var replaced = [Bool](repeating: false, count: count)
        for scan in scans {
            for id in scan.replacedDirectories { replaced[Int(id)] = true }
        }
        // Pre-order: a directory's parent has its final answer before the directory is looked at.
        for id in 1..<max(count, 1) where replaced[Int(directories[Int32(id)].parent)] {
            replaced[id] = true
        }
        for scan in scans {
            doubtfulEntries += scan.doubtfulEntries
            untracked += scan.untracked.filter { !replaced[Int($0.directory)] }.map(\.item)
        }
        for id in 0..<count where replaced[id] {
            doubtfulEntries += directories[Int32(id)].files.filter { !index.entries[Int($0)].skipsWorktree }
        }
    }
}

/// The work of one thread: the directories it took, their findings, and a path buffer it reuses.
private struct DirectoryScan {
    var doubtfulEntries: [Int32] = []
    var untracked: [(directory: Int32, item: WorkTreeScan.Untracked)] = []
    /// Tracked directories that are gone or no longer directories.
    var replacedDirectories: [Int32] = []
    /// The work tree's root, which ``path`` is relative to.
    private let root: Int32
    /// The directory being scanned, relative to the root (`.` for the root itself), without a NUL.
    private var path: [UInt8] = []

    init(root: Int32) {
        self.root = root
        path.reserveCapacity(Int(PATH_MAX))
    }

    /// A child of a directory in the index: a file entry (`entry >= 0`) or a subdirectory.
    private struct Child {
        var nameStart: Int32
        var nameLength: Int32
        var entry: Int32
        var subdirectory: Int32
    }

    mutating func scan(_ id: Int32, listing: Bool, index: GitIndexFile, directories: IndexDirectories, check: IndexStatCheck) {
        let directory = directories[id]
        index.paths.withUnsafeBufferPointer { paths in
            path.removeAll(keepingCapacity: true)
            if directory.pathLength > 0 {
                path.append(contentsOf: UnsafeBufferPointer(rebasing: paths[Int(directory.pathStart)..<Int(directory.pathStart + directory.pathLength)]))
            } else {
                path.append(UInt8(ascii: "."))
            }
            if listing {
                list(id, directory, paths: paths, index: index, directories: directories, check: check)
            } else {
                statFiles(id, directory, paths: paths, index: index, check: check)
            }
        }
    }

    /// Below an ignored directory: `fstatat` each tracked file in the directory, opened as a path only
    /// (which fails where a file or symlink replaced it).
    private mutating func statFiles(
        _ id: Int32, _ directory: IndexDirectories.Directory, paths: UnsafeBufferPointer<UInt8>, index: GitIndexFile, check: IndexStatCheck
    ) {
        let descriptor = withPath { openat($0, $1, openPathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard descriptor >= 0 else {
            replacedDirectories.append(id)
            return
        }
        defer { close(descriptor) }
        let prefix = directory.pathLength == 0 ? 0 : Int(directory.pathLength) + 1
        var status = stat()
        for number in directory.files {
            let entry = index.entries[Int(number)]
            if entry.isGitlink || entry.assumesUnchanged || entry.skipsWorktree { continue }
            path.removeAll(keepingCapacity: true)
            path.append(contentsOf: UnsafeBufferPointer(rebasing: paths[(Int(entry.pathStart) + prefix)..<Int(entry.pathStart + entry.pathLength)]))
            if entry.stage != 0 || entry.isIntentToAdd || withPath({ _, name in fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) }) != 0
                || check.isInDoubt(entry, status) {
                doubtfulEntries.append(number)
            }
        }
    }

    /// Lists the directory: known names are checked against the index, unknown ones are untracked.
    private mutating func list(
        _ id: Int32, _ directory: IndexDirectories.Directory, paths: UnsafeBufferPointer<UInt8>, index: GitIndexFile,
        directories: IndexDirectories, check: IndexStatCheck
    ) {
        let descriptor = withPath { openat($0, $1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard descriptor >= 0, let stream = fdopendir(descriptor) else {
            if descriptor >= 0 { close(descriptor) }
            replacedDirectories.append(id)
            return
        }
        defer { closedir(stream) }

        var children: [Child] = []
        children.reserveCapacity(directory.files.count + directory.subdirectories.count)
        let prefix = directory.pathLength == 0 ? 0 : directory.pathLength + 1
        for number in directory.files {
            let entry = index.entries[Int(number)]
            children.append(Child(nameStart: entry.pathStart + prefix, nameLength: entry.pathLength - prefix, entry: number, subdirectory: -1))
        }
        for sub in directory.subdirectories {
            let child = directories[sub]
            children.append(Child(nameStart: child.nameStart, nameLength: child.nameLength, entry: -1, subdirectory: sub))
        }
        children.sort { Self.compare(paths.baseAddress!, $0, $1) < 0 }
        var seen = [Bool](repeating: false, count: children.count)
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

        while let dirent = readdir(stream) {
            let cName = (UnsafeRawPointer(dirent) + nameOffset).assumingMemoryBound(to: CChar.self)
            let name = UnsafeRawBufferPointer(start: cName, count: strlen(cName))
            if Self.isDotOrGit(name) { continue }
            var type = dirent.pointee.d_type
            guard let found = Self.find(name, in: children, paths: paths.baseAddress!) else {
                if type == UInt8(DT_UNKNOWN) { type = Self.type(of: cName, in: dirfd(stream)) }
                record(untracked: name, isDirectory: type == UInt8(DT_DIR), in: id)
                continue
            }
            seen[found] = true
            let child = children[found]
            if child.entry < 0 {
                if type == UInt8(DT_UNKNOWN) { type = Self.type(of: cName, in: dirfd(stream)) }
                if type != UInt8(DT_DIR) {
                    // A file where the index has a directory: the directory's files are gone.
                    replacedDirectories.append(child.subdirectory)
                    record(untracked: name, isDirectory: false, in: id)
                }
                continue
            }
            let entry = index.entries[Int(child.entry)]
            if entry.isGitlink || entry.assumesUnchanged || entry.skipsWorktree { continue }
            var status = stat()
            guard entry.stage == 0, !entry.isIntentToAdd, fstatat(dirfd(stream), cName, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                doubtfulEntries.append(child.entry)
                continue
            }
            if check.isInDoubt(entry, status) {
                doubtfulEntries.append(child.entry)
                // A directory where the index has a file: what is in it is untracked.
                if status.st_mode & S_IFMT == S_IFDIR { record(untracked: name, isDirectory: true, in: id) }
            }
        }
        for (number, child) in children.enumerated() where !seen[number] {
            if child.entry >= 0 {
                let entry = index.entries[Int(child.entry)]
                if !entry.isGitlink && !entry.skipsWorktree { doubtfulEntries.append(child.entry) }
            } else {
                replacedDirectories.append(child.subdirectory)
            }
        }
    }

    private mutating func record(untracked name: UnsafeRawBufferPointer, isDirectory: Bool, in directory: Int32) {
        var relative = path == [UInt8(ascii: ".")] ? [] : path + [UInt8(ascii: "/")]
        relative.append(contentsOf: name)
        untracked.append((directory, WorkTreeScan.Untracked(path: relative, isDirectory: isDirectory)))
    }

    /// Calls `body` with the root's descriptor and ``path`` as a C string (NUL-terminated within its
    /// reserved capacity).
    private mutating func withPath<Result>(_ body: (Int32, UnsafePointer<CChar>) -> Result) -> Result {
        let root = root
        path.append(0)
        defer { path.removeLast() }
        return path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { body(root, $0.baseAddress!) } }
    }

    /// `.`, `..` and `.git` (which git never tracks, in any directory).
    private static func isDotOrGit(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 1: name[0] == UInt8(ascii: ".")
        case 2: name[0] == UInt8(ascii: ".") && name[1] == UInt8(ascii: ".")
        case 4: name.elementsEqual(".git".utf8)
        default: false
        }
    }

    private static func type(of name: UnsafePointer<CChar>, in directory: Int32) -> UInt8 {
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return UInt8(DT_UNKNOWN) }
        return status.st_mode & S_IFMT == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
    }

    private static func compare(_ paths: UnsafePointer<UInt8>, _ one: Child, _ two: Child) -> Int32 {
        let result = memcmp(paths + Int(one.nameStart), paths + Int(two.nameStart), Int(min(one.nameLength, two.nameLength)))
        return result != 0 ? result : one.nameLength - two.nameLength
    }

    private static func find(_ name: UnsafeRawBufferPointer, in children: [Child], paths: UnsafePointer<UInt8>) -> Int? {
        var low = 0, high = children.count
        while low < high {
            let middle = (low + high) / 2
            let child = children[middle]
            var result = memcmp(paths + Int(child.nameStart), name.baseAddress!, min(Int(child.nameLength), name.count))
            if result == 0 { result = Int32(Int(child.nameLength) - name.count) }
            if result == 0 { return middle }
            if result < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}

/// open(2)'s O_PATH (fcntl.h defines it only under _GNU_SOURCE): a descriptor for path lookups alone.
private let openPathOnly: Int32 = 0o10000000
