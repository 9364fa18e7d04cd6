import FuseKit
import Glibc
import MemFS
import ScorpioTestSupport
import SystemPackage
import Testing

/// Mounts `filesystem` on a fresh directory for the body and unmounts it afterwards, also when the body
/// throws or an expectation fails.
func withMount<T>(
    _ filesystem: some FuseFilesystem, options: MountOptions = MountOptions(fsName: "fusekit-test", subtype: "fusekit-test"),
    _ body: (FuseMount, FilePath) throws -> T
) throws -> T {
    try withTemporaryDirectory { dir in
        let mount = try FuseMount(filesystem, at: dir, options: options)
        defer { try? mount.unmount(lazy: true) }
        return try body(mount, dir)
    }
}

func withMemoryMount<T>(timeout: Double = 1, _ body: (FuseMount, FilePath, MemoryFilesystem) throws -> T) throws -> T {
    let filesystem = MemoryFilesystem(timeout: timeout)
    return try withMount(filesystem) { mount, root in try body(mount, root, filesystem) }
}

// MARK: - Plain file I/O through the kernel

func writeFile(_ path: FilePath, _ bytes: [UInt8], flags: Int32 = O_WRONLY | O_CREAT | O_TRUNC, mode: mode_t = 0o644) throws {
    let fd = try FileDescriptor.open(path, .writeOnly, options: FileDescriptor.OpenOptions(rawValue: flags & ~O_ACCMODE), permissions: FilePermissions(rawValue: mode))
    defer { try? fd.close() }
    _ = try fd.writeAll(bytes)
}

func readFile(_ path: FilePath) throws -> [UInt8] {
    let fd = try FileDescriptor.open(path, .readOnly)
    defer { try? fd.close() }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
        if count == 0 { return result }
        result += chunk[..<count]
    }
}

func fileStatus(_ path: FilePath) throws -> stat {
    var st = stat()
    guard path.withPlatformString({ lstat($0, &st) }) == 0 else { throw Errno(rawValue: errno) }
    return st
}

/// The names in a directory with their d_type, without "." and "..".
func listDirectory(_ path: FilePath) throws -> [String: UInt8] {
    guard let dir = path.withPlatformString({ opendir($0) }) else { throw Errno(rawValue: errno) }
    defer { closedir(dir) }
    var names: [String: UInt8] = [:]
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names[name] = entry.pointee.d_type }
    }
    return names
}

/// Calls a libc function that returns -1 and sets errno on failure; returns the errno, or nil on success.
func errnoOf(_ result: Int32) -> Errno? {
    result == 0 ? nil : Errno(rawValue: errno)
}

/// The exit status of a program run to completion.
func runProgram(_ arguments: [String]) -> Int32 {
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    guard posix_spawnp(&pid, argv[0]!, nil, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}

/// The directory holding the built products (the test runner and the package's executables).
var builtProductsDirectory: FilePath {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    var path = FilePath(String(decoding: buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    path.removeLastComponent()
    return path
}
