import CSyscalls
import Dispatch
import FuseKit
import Glibc
import MemFS
import ScorpioTestSupport
import Synchronization
import SystemPackage
import Testing

/// The example in-memory filesystem, driven through the kernel with ordinary file APIs.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct MemoryMountTests {
    @Test func createWriteReadBack() throws {
        try withMemoryMount { _, root, _ in
            let file = root.appending("hello.txt")
            try writeFile(file, Array("hello, fuse\n".utf8))
            #expect(try readFile(file) == Array("hello, fuse\n".utf8))
            let st = try fileStatus(file)
            #expect(st.st_size == 12)
            #expect(st.st_mode & S_IFMT == S_IFREG)
            #expect(st.st_mode & 0o777 == 0o644 & ~currentUmask())
        }
    }

    @Test func largeFileSurvivesManyWriteAndReadRequests() throws {
        try withMemoryMount { _, root, _ in
            let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
            let file = root.appending("big.bin")
            try writeFile(file, bytes)
            #expect(try readFile(file) == bytes)
        }
    }

    @Test func truncateAndAppend() throws {
        try withMemoryMount { _, root, _ in
            let file = root.appending("log")
            try writeFile(file, Array("0123456789".utf8))
            #expect(file.withPlatformString { truncate($0, 4) } == 0)
            #expect(try readFile(file) == Array("0123".utf8))
            try writeFile(file, Array("ab".utf8), flags: O_WRONLY | O_APPEND)
            #expect(try readFile(file) == Array("0123ab".utf8))
            try writeFile(file, Array("z".utf8))  // O_TRUNC
            #expect(try readFile(file) == Array("z".utf8))
        }
    }

    @Test func readdirListsNamesWithTypes() throws {
        try withMemoryMount { _, root, _ in
            try writeFile(root.appending("f"), [1])
            #expect(mkdir(root.appending("d").string, 0o755) == 0)
            #expect(symlink("f", root.appending("s").string) == 0)
            #expect(mkfifo(root.appending("p").string, 0o600) == 0)
            let listing = try listDirectory(root)
            #expect(listing == ["f": UInt8(DT_REG), "d": UInt8(DT_DIR), "s": UInt8(DT_LNK), "p": UInt8(DT_FIFO)])
        }
    }

    @Test func readdirOfManyEntriesSpansSeveralRequests() throws {
        try withMemoryMount { _, root, _ in
            let names = Set((0..<2000).map { "file-with-a-long-name-\($0)" })
            for name in names { try writeFile(root.appending(name), []) }
            #expect(Set(try listDirectory(root).keys) == names)
        }
    }

    @Test func renameFilesAndDirectories() throws {
        try withMemoryMount { _, root, _ in
            try writeFile(root.appending("a"), Array("A".utf8))
            #expect(mkdir(root.appending("dir").string, 0o755) == 0)
            #expect(rename(root.appending("a").string, root.appending("dir/b").string) == 0)
            #expect(rename(root.appending("dir").string, root.appending("moved").string) == 0)
            #expect(try readFile(root.appending("moved/b")) == Array("A".utf8))
            #expect(try listDirectory(root).keys.sorted() == ["moved"])
            // Over an existing file: replaced.
            try writeFile(root.appending("c"), Array("C".utf8))
            #expect(rename(root.appending("c").string, root.appending("moved/b").string) == 0)
            #expect(try readFile(root.appending("moved/b")) == Array("C".utf8))
            // A directory into itself.
            #expect(errnoOf(rename(root.appending("moved").string, root.appending("moved/inner").string)) == .invalidArgument)
        }
    }

    @Test func renameFlagsReachTheFilesystem() throws {
        try withMemoryMount { _, root, _ in
            try writeFile(root.appending("x"), Array("X".utf8))
            try writeFile(root.appending("y"), Array("Y".utf8))
            #expect(renameat2(AT_FDCWD, root.appending("x").string, AT_FDCWD, root.appending("y").string, RenameFlags.noReplace.rawValue) == -1)
            #expect(errno == EEXIST)
            #expect(renameat2(AT_FDCWD, root.appending("x").string, AT_FDCWD, root.appending("y").string, RenameFlags.exchange.rawValue) == 0)
            #expect(try readFile(root.appending("x")) == Array("Y".utf8))
            #expect(try readFile(root.appending("y")) == Array("X".utf8))
        }
    }

    @Test func unlinkAndRmdir() throws {
        try withMemoryMount { _, root, _ in
            #expect(mkdir(root.appending("d").string, 0o755) == 0)
            try writeFile(root.appending("d/f"), [])
            #expect(errnoOf(rmdir(root.appending("d").string)) == .directoryNotEmpty)
            #expect(errnoOf(unlink(root.appending("d").string)) == .isDirectory)
            #expect(unlink(root.appending("d/f").string) == 0)
            #expect(rmdir(root.appending("d").string) == 0)
            #expect(try listDirectory(root).isEmpty)
            #expect(errnoOf(unlink(root.appending("missing").string)) == .noSuchFileOrDirectory)
        }
    }

    @Test func statReportsLinksAndDirectoryLinkCounts() throws {
        try withMemoryMount { _, root, _ in
            try writeFile(root.appending("f"), Array("data".utf8))
            #expect(link(root.appending("f").string, root.appending("g").string) == 0)
            let f = try fileStatus(root.appending("f"))
            let g = try fileStatus(root.appending("g"))
            #expect(f.st_ino == g.st_ino)
            #expect(f.st_nlink == 2)
            try writeFile(root.appending("g"), Array("new".utf8))
            #expect(try readFile(root.appending("f")) == Array("new".utf8))
            #expect(mkdir(root.appending("d").string, 0o755) == 0)
            #expect(mkdir(root.appending("d/e").string, 0o755) == 0)
            #expect(try fileStatus(root.appending("d")).st_nlink == 3)
        }
    }

    @Test func symlinkAndReadlink() throws {
        try withMemoryMount { _, root, _ in
            #expect(symlink("../some/target", root.appending("link").string) == 0)
            var buffer = [CChar](repeating: 0, count: 256)
            let count = readlink(root.appending("link").string, &buffer, buffer.count)
            #expect(String(decoding: buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self) == "../some/target")
            let st = try fileStatus(root.appending("link"))
            #expect(st.st_mode & S_IFMT == S_IFLNK)
        }
    }

    @Test func chmodChownAndTimes() throws {
        try withMemoryMount { _, root, _ in
            let file = root.appending("f")
            try writeFile(file, [])
            #expect(chown(file.string, 1234, 5678) == 0)
            #expect(chmod(file.string, 0o4751) == 0)
            var times = [timespec(tv_sec: 1_000_000, tv_nsec: 5), timespec(tv_sec: 2_000_000, tv_nsec: 7)]
            #expect(utimensat(AT_FDCWD, file.string, &times, 0) == 0)
            let st = try fileStatus(file)
            #expect(st.st_mode & 0o7777 == 0o4751)
            #expect(st.st_uid == 1234 && st.st_gid == 5678)
            #expect(st.st_atim.tv_sec == 1_000_000 && st.st_atim.tv_nsec == 5)
            #expect(st.st_mtim.tv_sec == 2_000_000 && st.st_mtim.tv_nsec == 7)
            #expect(chown(file.string, 1, 1) == 0)
            #expect(try fileStatus(file).st_mode & 0o7777 == 0o751, "a change of owner clears set-user-ID")
        }
    }

    @Test func extendedAttributes() throws {
        try withMemoryMount { _, root, _ in
            let file = root.appending("f").string
            try writeFile(root.appending("f"), [])
            #expect(setxattr(file, "user.color", "blue", 4, 0) == 0)
            #expect(setxattr(file, "user.size", "L", 1, 0) == 0)
            #expect(setxattr(file, "user.color", "red", 3, Int32(XATTR_CREATE)) == -1 && errno == EEXIST)
            var value = [CChar](repeating: 0, count: 16)
            #expect(getxattr(file, "user.color", &value, value.count) == 4)
            #expect(String(decoding: value[..<4].map { UInt8(bitPattern: $0) }, as: UTF8.self) == "blue")
            #expect(getxattr(file, "user.color", nil, 0) == 4)
            #expect(getxattr(file, "user.color", &value, 2) == -1 && errno == ERANGE)
            var names = [CChar](repeating: 0, count: 64)
            let length = listxattr(file, &names, names.count)
            let listed = names[..<max(length, 0)].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            #expect(listed == ["user.color", "user.size"])
            #expect(removexattr(file, "user.color") == 0)
            #expect(getxattr(file, "user.color", &value, value.count) == -1 && errno == ENODATA)
        }
    }

    @Test func statfsAnswers() throws {
        try withMemoryMount { _, root, _ in
            var st = statvfs()
            #expect(statvfs(root.string, &st) == 0)
            #expect(st.f_bsize == 4096)
            #expect(st.f_blocks == 1 << 20)
        }
    }

    @Test func concurrentReadersSeeTheSameBytes() throws {
        try withMemoryMount { _, root, _ in
            let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let file = root.appending("shared.bin")
            try writeFile(file, bytes)
            let results = ConcurrentResults()
            DispatchQueue.concurrentPerform(iterations: 16) { _ in
                results.record((try? readFile(file)) == bytes)
            }
            #expect(results.values == Array(repeating: true, count: 16))
        }
    }

    @Test func concurrentWritersOfDistinctFiles() throws {
        try withMemoryMount { _, root, _ in
            let results = ConcurrentResults()
            DispatchQueue.concurrentPerform(iterations: 16) { index in
                let file = root.appending("writer-\(index)")
                let bytes = [UInt8](repeating: UInt8(index), count: 100_000 + index)
                results.record((try? writeFile(file, bytes)) != nil && (try? readFile(file)) == bytes)
            }
            #expect(results.values == Array(repeating: true, count: 16))
            let listing = try listDirectory(root)
            #expect(listing.count == 16)
        }
    }
}

func currentUmask() -> mode_t {
    let mask = umask(0o022)
    umask(mask)
    return mask
}

/// Collects results from `concurrentPerform` iterations.
final class ConcurrentResults: Sendable {
    private let stored = Mutex<[Bool]>([])
    func record(_ value: Bool) { stored.withLock { $0.append(value) } }
    var values: [Bool] { stored.withLock { $0 } }
}
