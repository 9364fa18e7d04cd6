import CSyscalls
import Foundation
import Glibc
import SystemPackage

public enum FuseHost {
    public static let unavailableReason: String? = {
        if geteuid() != 0 { return "needs root to mount FUSE" }
        let fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return "needs /dev/fuse (\(Errno(rawValue: errno)))" }
        close(fd)
        return nil
    }()

    public static var canMount: Bool {
        if let unavailableReason { print("skipping FUSE mount tests: \(unavailableReason)") }
        return unavailableReason == nil
    }
}

/// A scratch directory for one test, removed afterwards.
public final class Scratch {
    public let path: FilePath

    public init() throws {
        var template = Array("/tmp/scorpio-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Errno(rawValue: errno) }
        path = FilePath(platformString: made)
    }

    /// Removes the directory, detaching first whatever is still mounted in it: a test that failed, or a
    /// server that crashed under it, leaves no mount behind (and a dead FUSE mount would stop `rm`).
    deinit {
        for mountpoint in Self.mountpoints(under: path).reversed() { umount2(mountpoint, Int32(MNT_DETACH)) }
        _ = shell("rm -rf --one-file-system '\(path)'")
    }

    /// The mountpoints below `directory` in this process's mount table, in the order they were mounted.
    public static func mountpoints(under directory: FilePath) -> [String] {
        // A /proc file says it is empty (size 0) until read: read it to its end.
        let descriptor = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while case let count = read(descriptor, &buffer, buffer.count), count > 0 { bytes += buffer[..<count] }
        let table = String(decoding: bytes, as: UTF8.self)
        let prefix = directory.string + "/"
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5)
            guard fields.count > 4 else { return nil }
            let mountpoint = unescapedMountField(fields[4])
            return mountpoint.hasPrefix(prefix) ? mountpoint : nil
        }
    }

    /// The kernel writes a space, tab, newline or backslash of a path in the table as `\` and three octal digits.
    private static func unescapedMountField(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var rest = field.utf8[...]
        while let byte = rest.first {
            let digits = rest.dropFirst().prefix(3)
            if byte == UInt8(ascii: "\\"), digits.count == 3, let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 8) {
                bytes.append(value)
                rest = rest.dropFirst(4)
            } else {
                bytes.append(byte)
                rest = rest.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func directory(_ name: String) -> FilePath {
        let made = path.appending(name)
        mkdir(made.string, 0o755)
        return made
    }
}

/// A fresh directory under /tmp for the body, removed (with all it holds) when the body ends.
public func withTemporaryDirectory<T>(_ body: (FilePath) throws -> T) throws -> T {
    let scratch = try Scratch()
    return try withExtendedLifetime(scratch) { try body(scratch.path) }
}

/// Starts `/bin/sh -c command` with `actions` applied, then every descriptor but stdin, stdout and
/// stderr closed (none another test has open, a file in a mount or a pipe it reads to its end, may
/// live on in this child), with an empty signal mask and default signal dispositions, whatever the
/// test runner's threads have set; `environment` (`NAME=value`) or this process's. Returns the
/// child's pid.
public func spawnShell(_ command: String, actions: inout posix_spawn_file_actions_t, environment: [String]? = nil) throws(Errno) -> pid_t {
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
    defer { argv.forEach { free($0) } }
    let variables: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
    defer { variables?.forEach { free($0) } }
    var pid = pid_t()
    let spawned = variables.map { posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, $0) }
        ?? posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
    guard spawned == 0 else { throw Errno(rawValue: spawned) }
    return pid
}

/// Runs a shell command; returns its exit status and standard output. The child starts with default
/// signal dispositions and an empty mask, whatever the test runner's threads have set.
@discardableResult
public func shell(_ command: String) -> (status: Int32, output: String) {
    var pipeEnds: [Int32] = [0, 0]
    // Close-on-exec: a child another test spawns meanwhile must not hold the write end (this read
    // would wait for that child to end), only this one gets it, as its stdout.
    guard pipe2(&pipeEnds, O_CLOEXEC) == 0 else { return (-1, "") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], STDOUT_FILENO)
    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
    let pid = try? spawnShell(command, actions: &actions)
    close(pipeEnds[1])
    defer { close(pipeEnds[0]) }
    guard let pid else { return (-1, "") }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(pipeEnds[0], &chunk, chunk.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        output += chunk[..<count]
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return ((status >> 8) & 0xff, String(decoding: output, as: UTF8.self))
}

/// `shell` on a thread of its own, for async tests whose command waits for work this process does on
/// Swift's cooperative pool (a request to an in-process daemon): it must not hold one of the pool's
/// few threads meanwhile.
public func shellOnItsOwnThread(_ command: String) async -> (status: Int32, output: String) {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: shell(command)) }
    }
}

/// The mountpoints below `directory` in this process's mount table, in mount order. Read with a loop
/// of read(2): Foundation's file reading returns only part of a /proc file longer than a page.
public func mountpoints(under directory: FilePath) -> [String] {
    let descriptor = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(descriptor, &chunk, chunk.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        .map { String($0.split(separator: " ")[1]) }.filter { $0.hasPrefix(directory.string + "/") }
}

/// Waits (up to `timeout`) until nothing is mounted below `directory`: a shared base ends a moment
/// after the last job on it lets go. Returns what is still mounted then.
@discardableResult
public func waitUntilNothingIsMounted(under directory: FilePath, timeout: Duration = .seconds(5)) -> [String] {
    let deadline = ContinuousClock.now + timeout
    while !mountpoints(under: directory).isEmpty && ContinuousClock.now < deadline { usleep(10_000) }
    return mountpoints(under: directory)
}

/// A git repository made for a test with the git command line (scaffolding; the product reads it
/// through libgit2). Two commits: the second modifies, deletes, adds and renames.
public struct TestRepository {
    public let path: FilePath

    public init(in scratch: Scratch, bare: Bool = false) throws {
        let work = scratch.directory("work")
        let script = """
            set -e
            cd '\(work)'
            git init -q -b main .
            git config user.email t@example.com; git config user.name t
            mkdir -p src/lib docs empty-later 'odd dir'
            printf 'int main(void) { return 0; }\\n' > src/main.c
            printf '#!/bin/sh\\necho hi\\n' > run.sh; chmod +x run.sh
            printf 'lib\\n' > src/lib/util.h
            : > empty.txt
            head -c 1048577 /dev/urandom > blob.bin
            ln -s src/main.c link-to-main
            ln -s ../../docs src/lib/up
            printf 'odd\\n' > 'odd dir/a+b#c d.txt'
            printf 'doc\\n' > docs/README
            touch empty-later/.keep
            git add -A; GIT_COMMITTER_DATE='2024-01-02T03:04:05Z' git commit -qm one
            git tag v1
            printf 'changed\\n' > src/main.c
            git rm -q docs/README
            git mv src/lib/util.h src/lib/moved.h
            mkdir -p new/deep/er; printf 'new\\n' > new/deep/er/file
            git add -A; GIT_COMMITTER_DATE='2024-02-03T04:05:06Z' git commit -qm two
            """
        guard shell(script).status == 0 else { throw Errno.ioError }
        if bare {
            path = scratch.path.appending("bare.git")
            guard shell("git clone -q --bare '\(work)' '\(path)'").status == 0 else { throw Errno.ioError }
        } else {
            path = work
        }
    }

    /// `git archive` of `revision` unpacked into a new directory.
    public func archive(_ revision: String, into scratch: Scratch, subdirectory: String = "") throws -> FilePath {
        let out = scratch.directory("archive-\(revision.replacingAll("/", with: "_"))\(subdirectory.isEmpty ? "" : "-sub")")
        let treeish = subdirectory.isEmpty ? revision : "\(revision):\(subdirectory)"
        guard shell("git -C '\(path)' -c tar.umask=0022 archive '\(treeish)' | tar -x -C '\(out)'").status == 0 else { throw Errno.ioError }
        return out
    }
}

extension String {
    public func replacingAll(_ target: Character, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Every entry below `root`: relative path → (type and permission bits, size, content or link target).
public func snapshot(_ root: FilePath) -> [String: String] {
    let listing = shell("cd '\(root)' && find . -mindepth 1 -printf '%P|%M|%s|%l\\n' | sort").output
    var result: [String: String] = [:]
    for line in listing.split(separator: "\n") {
        let fields = line.split(separator: "|", omittingEmptySubsequences: false)
        let kind = fields[1].first
        // Git stores no directory modes and directory sizes differ between filesystems by nature; files
        // and links must match exactly.
        let mode = kind == "d" ? "d" : String(fields[1])
        let size = kind == "d" ? "" : String(fields[2])
        let content = kind == "-" ? shell("sha256sum < '\(root)/\(fields[0])'").output : String(fields[3])
        result[String(fields[0])] = "\(mode)|\(size)|\(content)"
    }
    return result
}
