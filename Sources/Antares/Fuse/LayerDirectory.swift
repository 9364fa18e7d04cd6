import CSyscalls
import Glibc
import SystemPackage

/// A real directory holding one layer of a union (the upper, the change list, or the union's scratch
/// space), and the system calls the union makes on the entries in it, named by their path relative to
/// it ("" is the layer's root). Every failure is the call's errno.
///
/// A union can be deeper than PATH_MAX allows once the layer's own prefix is added, so a path is
/// reached through directory descriptors, in pieces each shorter than PATH_MAX, whenever it is too
/// long to name whole; shorter paths (every path of a normal build) go to the kernel in one piece.
///
/// A read-only lower layer may come with a ``LayerTree`` that answers its reads without system calls;
/// the directory itself stays the answer to everything else.
struct LayerDirectory: Sendable {
    let root: String
    let tree: (any LayerTree)?

    init(_ root: String, tree: (any LayerTree)? = nil) {
        self.root = root
        self.tree = tree
    }

    /// Paths whose absolute form stays below this go to the kernel whole.
    private static let wholePathLimit = Int(PATH_MAX) - 1

    // MARK: - Reaching an entry

    /// Runs `body` with a directory descriptor and a path relative to it that name `path`: the
    /// absolute path with `AT_FDCWD` when it is short enough, else a descriptor of an ancestor.
    func at<T>(_ path: String, _ body: (Int32, String) throws(Errno) -> T) throws(Errno) -> T {
        let absolute = path.isEmpty ? root : "\(root)/\(path)"
        if absolute.utf8.count < Self.wholePathLimit { return try body(AT_FDCWD, absolute) }
        var directory = try Self.openDirectory(AT_FDCWD, root)
        defer { close(directory) }
        var remaining = path.split(separator: "/", omittingEmptySubsequences: true)[...]
        while true {
            let rest = remaining.joined(separator: "/")
            if rest.utf8.count < Self.wholePathLimit { return try body(directory, rest) }
            var piece: [Substring] = []
            var length = 0
            while let next = remaining.first, length + next.utf8.count + 1 < Self.wholePathLimit, remaining.count > 1 {
                piece.append(next)
                length += next.utf8.count + 1
                remaining = remaining.dropFirst()
            }
            let deeper = try Self.openDirectory(directory, piece.joined(separator: "/"))
            close(directory)
            directory = deeper
        }
    }

    /// Runs `body` with a path string that names `path` for calls that take no directory descriptor
    /// (the xattr family): the absolute path, or one through `/proc/self/fd` when that is too long.
    func pathString<T>(_ path: String, _ body: (String) throws(Errno) -> T) throws(Errno) -> T {
        try at(path) { (directory, name) throws(Errno) -> T in
            try body(directory == AT_FDCWD ? name : "/proc/self/fd/\(directory)/\(name)")
        }
    }

    private static func openDirectory(_ directory: Int32, _ path: String) throws(Errno) -> Int32 {
        let fd = openat(directory, path, scorpio_o_path | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        return fd
    }

    // MARK: - Metadata

    /// The entry's status without following a symlink; nil when there is none.
    func status(_ path: String) -> stat? {
        if let tree { return tree.status(path) }
        return try? at(path) { (directory, name) throws(Errno) -> stat in
            var st = stat()
            guard fstatat(directory, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw Errno(rawValue: errno) }
            return st
        }
    }

    /// `path`, or an equal string the layer's tree keeps anyway (see ``LayerTree/keptPath(_:)``).
    func keptPath(_ path: String) -> String {
        tree?.keptPath(path) ?? path
    }

    func changeMode(_ path: String, _ mode: mode_t) throws(Errno) {
        try at(path) { (directory, name) throws(Errno) in try Posix.check(fchmodat(directory, name, mode & 0o7777, 0)) }
    }

    /// chown without following a symlink; `uid_t.max` / `gid_t.max` leave that id as it is.
    func changeOwner(_ path: String, uid: uid_t, gid: gid_t) throws(Errno) {
        try at(path) { (directory, name) throws(Errno) in
            try Posix.check(fchownat(directory, name, uid, gid, AT_SYMLINK_NOFOLLOW))
        }
    }

    func setTimes(_ path: String, access: timespec, modification: timespec) throws(Errno) {
        try at(path) { (directory, name) throws(Errno) in
            try Posix.check(utimensat(directory, name, [access, modification], AT_SYMLINK_NOFOLLOW))
        }
    }

    func truncate(_ path: String, to size: off_t) throws(Errno) {
        let descriptor = try open(path, O_WRONLY)
        defer { close(descriptor) }
        try Posix.check(ftruncate(descriptor, size))
    }

    func readlink(_ path: String) throws(Errno) -> String {
        if let tree { return try tree.readlink(path) }
        return try at(path) { (directory, name) throws(Errno) -> String in
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlinkat(directory, name, &buffer, buffer.count - 1)
            guard count >= 0 else { throw Errno(rawValue: errno) }
            return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    // MARK: - Making and removing entries

    func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(Errno) -> Int32 {
        if let tree, flags & O_ACCMODE == O_RDONLY, flags & O_CREAT == 0, let shared = try tree.openForReading(path) {
            let descriptor = withExtendedLifetime(shared.owner) { fcntl(shared.descriptor, F_DUPFD_CLOEXEC, 0) }
            guard descriptor >= 0 else { throw Errno(rawValue: errno) }
            return descriptor
        }
        return try at(path) { (directory, name) throws(Errno) -> Int32 in
            let fd = openat(directory, name, flags | O_CLOEXEC | O_NOFOLLOW, mode)
            guard fd >= 0 else { throw Errno(rawValue: errno) }
            return fd
        }
    }

    /// A read-only descriptor of the file at `path` to keep: the layer tree's own where it has one,
    /// else a new one.
    func openForKeeping(_ path: String, size: Int64) throws(Errno) -> DataDescriptor {
        if let tree, let shared = try tree.openForReading(path) { return DataDescriptor(reading: shared, lowerSize: size) }
        return DataDescriptor(descriptor: try open(path, O_RDONLY), isWritable: false, lowerSize: size)
    }

    func makeDirectory(_ path: String, _ mode: mode_t) throws(Errno) {
        try at(path) { (directory, name) throws(Errno) in try Posix.check(mkdirat(directory, name, mode)) }
    }

    func makeNode(_ path: String, _ mode: mode_t, _ device: dev_t) throws(Errno) {
        try at(path) { (directory, name) throws(Errno) in try Posix.check(mknodat(directory, name, mode, device)) }
    }

    func makeSymlink(_ path: String, target: String) throws(Errno) {
        try at(path) { (directory, name) throws(Errno) in try Posix.check(symlinkat(target, directory, name)) }
    }

    /// A whiteout (character device 0/0) at `path`.
    func makeWhiteout(_ path: String) throws(Errno) {
        try makeNode(path, S_IFCHR | 0o000, 0)
    }

    func unlink(_ path: String) throws(Errno) {
        try at(path) { (directory, name) throws(Errno) in try Posix.check(unlinkat(directory, name, 0)) }
    }

    /// Removes `path` and, if it is a directory, everything in it; what cannot be removed stays.
    func removeTree(_ path: String) {
        try? at(path) { (directory, name) throws(Errno) in Posix.removeTree(named: name, in: directory) }
    }

    /// Names in a directory (without `.` and `..`) with their `d_type`.
    func list(_ path: String) throws(Errno) -> [(name: String, type: UInt8)] {
        if let tree { return try tree.list(path) }
        let descriptor = try at(path) { (directory, name) throws(Errno) -> Int32 in
            let fd = openat(directory, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { throw Errno(rawValue: errno) }
            return fd
        }
        guard let stream = fdopendir(descriptor) else {
            close(descriptor)
            throw Errno(rawValue: errno)
        }
        return Posix.entries(of: stream)
    }

    // MARK: - Between two entries

    /// renameat2(2) from `path` here to `target` in `destination` (which may be this layer).
    func rename(_ path: String, to target: String, in destination: LayerDirectory, flags: UInt32 = 0) throws(Errno) {
        try at(path) { (fromDirectory, fromName) throws(Errno) in
            try destination.at(target) { (toDirectory, toName) throws(Errno) in
                try Posix.check(renameat2(fromDirectory, fromName, toDirectory, toName, flags))
            }
        }
    }

    /// A new name `target` in `destination` for the file at `path`.
    func link(_ path: String, as target: String, in destination: LayerDirectory) throws(Errno) {
        try at(path) { (fromDirectory, fromName) throws(Errno) in
            try destination.at(target) { (toDirectory, toName) throws(Errno) in
                try Posix.check(linkat(fromDirectory, fromName, toDirectory, toName, 0))
            }
        }
    }

    // MARK: - Extended attributes

    func xattr(_ path: String, _ name: String) throws(Errno) -> [UInt8] {
        if let tree { return try tree.xattr(path, name) }
        return try pathString(path) { (real) throws(Errno) -> [UInt8] in try XattrCalls.get(real, name) }
    }

    func xattrNames(_ path: String) throws(Errno) -> [String] {
        if let tree { return try tree.xattrNames(path) }
        return try pathString(path) { (real) throws(Errno) -> [String] in try XattrCalls.list(real) }
    }

    func setXattr(_ path: String, _ name: String, _ value: UnsafeRawBufferPointer, flags: Int32) throws(Errno) {
        try pathString(path) { (real) throws(Errno) in try XattrCalls.set(real, name, value, flags: flags) }
    }

    func setXattr(_ path: String, _ name: String, _ value: [UInt8], flags: Int32) throws(Errno) {
        try pathString(path) { (real) throws(Errno) in try XattrCalls.set(real, name, value, flags: flags) }
    }

    func removeXattr(_ path: String, _ name: String) throws(Errno) {
        try pathString(path) { (real) throws(Errno) in try XattrCalls.remove(real, name) }
    }
}
