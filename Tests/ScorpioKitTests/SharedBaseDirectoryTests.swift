import Dicfuse
import Foundation
import FuseKit
import Glibc
@testable import ScorpioKit
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct SharedBaseDirectoryTests {
    /// A base whose server is gone or going must not be leased: its connection ends (aborted here, as
    /// the kernel does once a killed server's device is closed) while the kernel may still answer a
    /// `stat` of its root from the attributes it cached.
    @Test func aBaseWhoseConnectionEndedIsNotMounted() throws {
        let scratch = try Scratch()
        let tree = scratch.directory("tree")
        #expect(shell("echo hello > '\(tree)/hello.txt'").status == 0)
        let directory = SharedBaseDirectory(root: scratch.path.appending("bases"), key: "base")
        try FileManager.default.createDirectory(atPath: directory.mountpoint.string, withIntermediateDirectories: true)
        let dicfuse = Dicfuse(source: try DirectoryTreeSource(path: tree), store: try ContentStore(root: scratch.path.appending("store")))
        let mount = try dicfuse.mount(at: directory.mountpoint)
        defer {
            try? mount.unmount(lazy: true)
            try? MountTable.unmount(directory.mountpoint, lazy: true)  // a mount whose connection ended stays until then
        }
        #expect(directory.isMounted)

        var root = stat()
        #expect(stat(directory.mountpoint.string, &root) == 0)
        let connection = UInt32((root.st_dev & 0xff) | ((root.st_dev >> 12) & 0xf_ff00))
        #expect(MountTable.abortConnection(connection))
        mount.waitUntilUnmounted()
        #expect(!directory.isMounted)
    }

    @Test func aPlainDirectoryIsNotMounted() throws {
        let scratch = try Scratch()
        let directory = SharedBaseDirectory(root: scratch.path, key: "base")
        try FileManager.default.createDirectory(atPath: directory.mountpoint.string, withIntermediateDirectories: true)
        #expect(!directory.isMounted)
    }

    /// `scorpio base gc` removes what a base without a server left; a root removed since it listed the
    /// bases (a test's scratch directory, say) is not made again.
    @Test func theRemainsOfAServerlessBaseGoAndAGoneRootStaysGone() throws {
        let scratch = try Scratch()
        let root = scratch.path.appending("bases")
        let directory = SharedBaseDirectory(root: root, key: "base")
        try FileManager.default.createDirectory(atPath: directory.mountpoint.string, withIntermediateDirectories: true)
        try directory.withCreationLock {}
        directory.removeRemainsOfServerless()
        #expect(!FileManager.default.fileExists(atPath: directory.path.string))
        #expect(FileManager.default.fileExists(atPath: root.string))

        try FileManager.default.removeItem(atPath: root.string)
        directory.removeRemainsOfServerless()
        #expect(!FileManager.default.fileExists(atPath: root.string), "no creation lock made its root again")
    }

    /// Midway through an `rm -rf` of the bases root, the root and a base's directory are still there
    /// but its lock file is gone: a base's server ending then (its mount detached by the same clean-up)
    /// or `scorpio base gc` does not make the lock file again, which would stop the root's removal.
    @Test func aRootBeingRemovedGetsNoLockFileAgain() throws {
        let scratch = try Scratch()
        let directory = SharedBaseDirectory(root: scratch.path.appending("bases"), key: "base")
        try FileManager.default.createDirectory(atPath: directory.mountpoint.string, withIntermediateDirectories: true)
        directory.removeRemainsOfServerless()
        #expect(!FileManager.default.fileExists(atPath: directory.creationLock.string))
        #expect(throws: Errno.noSuchFileOrDirectory) { try directory.withCreationLock(creatingRoot: false) {} }
        #expect(!FileManager.default.fileExists(atPath: directory.creationLock.string))

        try directory.withCreationLock {}
        directory.removeRemainsOfServerless()
        #expect(!FileManager.default.fileExists(atPath: directory.path.string), "with its lock file there, the remains go")
    }

    /// A lease is a file its holder keeps locked exclusively; one whose holder is gone is removed. Another
    /// process probing the same files at that moment (the base's server at a lease's release, while
    /// `scorpio base gc` probes) holds its probe shared, and is no lease.
    @Test func aConcurrentProbeIsNoLeaseAndAHeldLeaseIs() throws {
        let scratch = try Scratch()
        let directory = SharedBaseDirectory(root: scratch.path, key: "base")
        try FileManager.default.createDirectory(atPath: directory.leases.string, withIntermediateDirectories: true)
        let held = try FileLock(directory.leases.appending("held"), exclusive: true)
        let probed = directory.leases.appending("probed")
        let probe = try FileLock(probed, exclusive: false)
        #expect(directory.liveLeases() == ["held"])
        #expect(!FileManager.default.fileExists(atPath: probed.string), "a file no holder locks is removed")
        withExtendedLifetime((held, probe)) {}
    }
}
