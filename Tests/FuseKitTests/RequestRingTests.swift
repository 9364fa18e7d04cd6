import Foundation
import FuseKit
import Glibc
import MemFS
import ScorpioTestSupport
import SystemPackage
import Testing

/// FUSE over io_uring: a mount that asks for the ring gets its requests over it, and answers them as it
/// would over /dev/fuse. No test turns the kernel's offer off: it is the host's, and other suites read
/// it. (Run with it off, every test but those asserting the offer passes: mounts serve over /dev/fuse.)
@Suite(
    .enabled(if: FuseHost.canMount, "needs root and /dev/fuse"),
    .enabled(if: access(FuseMount.requestRingSwitch.string, F_OK) == 0, "needs Linux 6.14+ (FUSE over io_uring)"))
struct RequestRingTests {
    private func ringOptions() -> MountOptions {
        var options = MountOptions(fsName: "fusekit-ring-test", subtype: "fusekit-ring-test")
        options.requestRing = true
        return options
    }

    @Test func aMountThatAsksForTheRingIsServedOverIt() throws {
        try #require(FuseMount.kernelOffersRequestRing, "the fuse module's enable_uring is off: scripts/setup turns it on")
        try withMount(MemoryFilesystem(timeout: 0), options: ringOptions()) { mount, root in
            // Known once the kernel has taken INIT's reply, which every request waits for.
            _ = try fileStatus(root)
            #expect(mount.servesOverRing)
            let before = mount.requestsOverRing

            // Replies larger than a request's pages, in both directions, from a file over 1 MiB.
            let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
            try writeFile(root.appending("big.bin"), bytes)
            #expect(try readFile(root.appending("big.bin")) == bytes)
            #expect(try fileStatus(root.appending("big.bin")).st_size == bytes.count)

            // A listing that spans several READDIR requests, and names in the requests' payload.
            let names = Set((0..<600).map { "entry-with-a-long-name-\($0)" })
            for name in names { try writeFile(root.appending(name), Array(name.utf8)) }
            #expect(Set(try listDirectory(root).keys) == names.union(["big.bin"]))
            #expect(try readFile(root.appending("entry-with-a-long-name-7")) == Array("entry-with-a-long-name-7".utf8))
            #expect(rename(root.appending("entry-with-a-long-name-7").string, root.appending("renamed").string) == 0)
            #expect(try readFile(root.appending("renamed")) == Array("entry-with-a-long-name-7".utf8))

            // Errors come back as errors.
            #expect(throws: Errno.noSuchFileOrDirectory) { try fileStatus(root.appending("missing")) }
            #expect(errnoOf(rmdir(root.appending("renamed").string)) == .notDirectory)

            #expect(mount.requestsOverRing > before + 600)
        }
    }

    /// A ring thread waits for requests with its fetch outstanding, which Linux counts as waiting on I/O
    /// unless told not to (6.15+): a host serving a base would show each idle ring thread as a blocked
    /// process, and its idle CPUs as 100 % iowait.
    @Test(.enabled(if: !kernelRelease.lexicographicallyPrecedes([6, 15]), "needs Linux 6.15+ (IORING_ENTER_NO_IOWAIT)"))
    func idleRingThreadsAreNotCountedAsWaitingOnIO() throws {
        try #require(FuseMount.kernelOffersRequestRing, "the fuse module's enable_uring is off: scripts/setup turns it on")
        var options = ringOptions()
        options.ringThreads = 32
        try withMount(MemoryFilesystem(timeout: 0), options: options) { mount, root in
            _ = try fileStatus(root)
            try #require(mount.servesOverRing)
            // Other tests may be reading the disk meanwhile: the fewest blocked seen over a while.
            var fewest = Int.max
            for _ in 0..<20 {
                fewest = min(fewest, blockedProcesses())
                usleep(10_000)
            }
            #expect(fewest < Int(options.ringThreads), "\(fewest) processes blocked on I/O with \(options.ringThreads) ring threads idle")
        }
    }

    /// Ring threads are named for their queue (`fuse-ring-Q`), not after the thread that mounted.
    @Test func ringThreadsAreNamedForTheirQueue() throws {
        try #require(FuseMount.kernelOffersRequestRing, "the fuse module's enable_uring is off: scripts/setup turns it on")
        try withMount(MemoryFilesystem(timeout: 0), options: ringOptions()) { mount, root in
            _ = try fileStatus(root)
            try #require(mount.servesOverRing)
            let queues = Int(sysconf(Int32(_SC_NPROCESSORS_CONF)))
            let names = Set(threadNames())
            #expect(names.isSuperset(of: (0..<queues).map { "fuse-ring-\($0)" }), "\(names.sorted())")
        }
    }

    @Test func aMountThatDoesNotAskKeepsToTheDevice() throws {
        try withMount(MemoryFilesystem(timeout: 0)) { mount, root in
            try writeFile(root.appending("f"), [1, 2, 3])
            #expect(try readFile(root.appending("f")) == [1, 2, 3])
            #expect(!mount.servesOverRing)
            #expect(mount.requestsOverRing == 0)
        }
    }
}

/// `procs_blocked` of /proc/stat: the host's tasks waiting on I/O now.
private func blockedProcesses() -> Int {
    let stat = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
    let line = stat.split(separator: "\n").first { $0.hasPrefix("procs_blocked ") }
    return line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
}

/// The running kernel's version, major and minor ([6, 18] for 6.18.44).
private let kernelRelease: [Int] = {
    var names = utsname()
    uname(&names)
    let release = withUnsafeBytes(of: names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    return release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
}()

/// The names of this process's threads.
private func threadNames() -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        .map { $0.trimmingCharacters(in: .newlines) }
}
