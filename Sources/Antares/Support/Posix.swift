import Dicfuse
import CSyscalls
import Glibc
import SystemPackage

/// The syscalls the union makes on its real layers, on absolute path strings; every failure is the
/// call's errno. (Named apart from the FUSE operations of the same names.)
enum Posix {
    static func lstat(_ path: String) -> stat? {
        var st = stat()
        return Glibc.lstat(path, &st) == 0 ? st : nil
    }

    static func fstat(_ descriptor: Int32) throws(Errno) -> stat {
        var st = stat()
        try check(Glibc.fstat(descriptor, &st))
        return st
    }

    static func check(_ result: Int32) throws(Errno) {
        if result != 0 { throw Errno(rawValue: errno) }
    }

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(Errno) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        return fd
    }

    static func rename(_ from: String, _ to: String, flags: UInt32 = 0) throws(Errno) {
        try check(renameat2(AT_FDCWD, from, AT_FDCWD, to, flags))
    }

    /// renameat2(2)'s flags (linux/fs.h, which Glibc does not import).
    static let renameNoReplace: UInt32 = 1 << 0
    static let renameExchange: UInt32 = 1 << 1

    /// `path` with its symlinks, `.` and `..` resolved; nil when some part of it does not exist.
    static func realPath(_ path: FilePath) -> FilePath? {
        guard let resolved = realpath(path.string, nil) else { return nil }
        defer { free(resolved) }
        return FilePath(platformString: resolved)
    }

    static func readlink(_ path: String) throws(Errno) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = Glibc.readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw Errno(rawValue: errno) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Names in a directory (without `.` and `..`) with their `d_type`.
    static func listDirectory(_ path: String) throws(Errno) -> [(name: String, type: UInt8)] {
        guard let stream = opendir(path) else { throw Errno(rawValue: errno) }
        return entries(of: stream)
    }

    /// Names in an open directory stream (without `.` and `..`) with their `d_type`; closes the stream
    /// unless `keepingOpen`.
    static func entries(of stream: OpaquePointer, keepingOpen: Bool = false) -> [(name: String, type: UInt8)] {
        defer { if !keepingOpen { closedir(stream) } }
        var result: [(String, UInt8)] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            result.append((name, entry.pointee.d_type))
        }
        return result
    }

    /// Whether a listed entry of the directory open at `descriptor` is a directory (not a link to one),
    /// by its listing's type where the filesystem gives one.
    static func isDirectory(_ entry: (name: String, type: UInt8), in descriptor: Int32) -> Bool {
        if entry.type != UInt8(DT_UNKNOWN) { return entry.type == UInt8(DT_DIR) }
        var st = stat()
        return fstatat(descriptor, entry.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mode & S_IFMT == S_IFDIR
    }

    /// A descriptor of the directory `name` names itself (nil for anything else, a link to one included;
    /// `errno` says why).
    static func openDirectory(_ name: String, in parent: Int32) -> Int32? {
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        return descriptor >= 0 ? descriptor : nil
    }

    /// Writes out everything of the filesystem holding `path` (syncfs); best effort.
    static func syncFileSystem(of path: String) {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = syncfs(descriptor)
        Glibc.close(descriptor)
    }

    /// Gives `path` and everything below it to `owner`, symlinks themselves rather than their targets.
    static func changeOwnerOfTree(_ path: String, to owner: FileOwner) throws(Errno) {
        try check(lchown(path, owner.uid, owner.gid))
        guard lstat(path)?.isDirectory == true else { return }
        for entry in try listDirectory(path) { try changeOwnerOfTree("\(path)/\(entry.name)", to: owner) }
    }

    /// Sets access and modification times without following a symlink.
    static func setTimes(_ path: String, access: timespec, modification: timespec) throws(Errno) {
        let times = [access, modification]
        try check(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW))
    }

    /// Reads `descriptor` into `buffer` from `start` on, until the buffer is full or the file ends;
    /// returns how much of the buffer is then filled.
    static func read(_ descriptor: Int32, into buffer: inout [UInt8], from start: Int = 0) throws(Errno) -> Int {
        var filled = start
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// Copies `count` bytes from `source` to `destination` (both from offset 0), in the kernel where it can.
    static func copyData(from source: Int32, to destination: Int32, count: UInt64) throws(Errno) {
        var done: UInt64 = 0
        if let copyFileRange = LateBoundCalls.copyFileRange {
            while done < count {
                var inOffset = Int64(done), outOffset = Int64(done)
                let copied = copyFileRange(source, &inOffset, destination, &outOffset, Int(min(count - done, 1 << 30)), 0)
                if copied < 0 && errno == EINTR { continue }
                if copied <= 0 { break }
                done += UInt64(copied)
            }
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while done < count {
            let read = buffer.withUnsafeMutableBytes { pread(source, $0.baseAddress, $0.count, off_t(done)) }
            if read < 0 && errno == EINTR { continue }
            if read < 0 { throw Errno(rawValue: errno) }
            if read == 0 { break }
            var written = 0
            while written < read {
                let count = buffer.withUnsafeBytes { pwrite(destination, $0.baseAddress! + written, read - written, off_t(done) + off_t(written)) }
                if count < 0 && errno == EINTR { continue }
                if count < 0 { throw Errno(rawValue: errno) }
                written += count
            }
            done += UInt64(read)
        }
    }
}

/// Linux calls Swift's Glibc module does not import (they sit behind _GNU_SOURCE); looked up once at
/// run time.
enum LateBoundCalls {
    typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int
    typealias Fallocate = @convention(c) (Int32, Int32, Int64, Int64) -> Int32

    static let copyFileRange: CopyFileRange? = symbol("copy_file_range")
    static let fallocate: Fallocate? = symbol("fallocate64")

    private static func symbol<F>(_ name: String) -> F? {
        guard let address = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(address, to: F.self)
    }
}

extension stat {
    var isDirectory: Bool { st_mode & S_IFMT == S_IFDIR }
    var isRegularFile: Bool { st_mode & S_IFMT == S_IFREG }
    var isSymlink: Bool { st_mode & S_IFMT == S_IFLNK }
    var isWhiteout: Bool { OverlayFormat.isWhiteout(self) }
}

/// Joins a union-relative path ("" is the root) and a name. Sized to fit: a union's nodes keep these.
func joinPath(_ parent: String, _ name: String) -> String {
    if parent.isEmpty { return name }
    var path = ""
    path.reserveCapacity(parent.utf8.count + 1 + name.utf8.count)
    path += parent
    path += "/"
    path += name
    return path
}
