import Foundation
import FuseKit
import Glibc
import MemFS
import SystemPackage
import Testing
import ScorpioTestSupport

/// Mounting, unmounting and the failure paths around them.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct MountLifecycleTests {
    @Test func mountAppearsInTheMountTableAndUnmountRemovesIt() throws {
        try withTemporaryDirectory { dir in
            let mount = try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "lifecycle", subtype: "fusekit-test"))
            let info = try #require(MountTable.mount(at: dir))
            #expect(info.fileSystemType == "fuse.fusekit-test")
            #expect(info.source == "lifecycle")
            #expect(mount.connection == info.deviceMinor)
            #expect(mount.isMounted)
            try mount.unmount()
            #expect(!mount.isMounted)
            #expect(MountTable.mount(at: dir) == nil)
            try mount.unmount()  // a second unmount is harmless
        }
    }

    @Test func aMountpointWithCharactersMountinfoEscapesIsFound() throws {
        try withTemporaryDirectory { parent in
            let dir = parent.appending("a b\\c\td")
            #expect(mkdir(dir.string, 0o755) == 0)
            let mount = try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "odd name", subtype: "fusekit-test"))
            let info = try #require(MountTable.mount(at: dir))
            #expect(info.mountpoint == dir)
            #expect(info.source == "odd name")
            #expect(MountTable.entries().last { $0.mountpoint == dir } == info)
            #expect(MountTable.mount(at: parent.appending("a b")) == nil)
            try mount.unmount()
            #expect(MountTable.mount(at: dir) == nil)
        }
    }

    @Test func droppingTheLastReferenceUnmounts() throws {
        try withTemporaryDirectory { dir in
            do {
                let mount = try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "deinit", subtype: "fusekit-test"))
                try writeFile(dir.appending("x"), [1])
                _ = mount
            }
            #expect(MountTable.mount(at: dir) == nil)
        }
    }

    @Test func busyMountRefusesPlainUnmountAndDetachesLazily() throws {
        try withTemporaryDirectory { dir in
            let mount = try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "busy", subtype: "fusekit-test"))
            try writeFile(dir.appending("held"), Array("x".utf8))
            let held = try FileDescriptor.open(dir.appending("held"), .readOnly)
            #expect(throws: FuseMountError.busy(MountTable.mount(at: dir)!.mountpoint)) { try mount.unmount() }
            #expect(mount.isMounted)
            try mount.unmount(lazy: true)
            #expect(MountTable.mount(at: dir) == nil)
            #expect(!mount.isMounted)
            try? held.close()
        }
    }

    @Test func missingMountpointIsNamed() throws {
        let path = FilePath("/tmp/fusekit-no-such-dir-\(getpid())")
        #expect(throws: FuseMountError.mountpointMissing(path)) {
            try FuseMount(MemoryFilesystem(), at: path, options: MountOptions(fsName: "x", subtype: "fusekit-test"))
        }
        #expect(FuseMountError.mountpointMissing(path).description.contains(path.string))
    }

    @Test func regularFileIsNotAMountpoint() throws {
        try withTemporaryDirectory { dir in
            let file = dir.appending("file")
            try writeFile(file, [])
            #expect(throws: FuseMountError.notADirectory(file)) {
                try FuseMount(MemoryFilesystem(), at: file, options: MountOptions(fsName: "x", subtype: "fusekit-test"))
            }
            #expect(MountTable.mount(at: file) == nil)
        }
    }

    @Test func unknownLibfuseOptionFailsWithoutMounting() throws {
        try withTemporaryDirectory { dir in
            var options = MountOptions(fsName: "x", subtype: "fusekit-test")
            options.extraOptions = ["no_such_option_at_all"]
            #expect(throws: FuseMountError.self) { try FuseMount(MemoryFilesystem(), at: dir, options: options) }
            #expect(MountTable.mount(at: dir) == nil)
        }
    }

    @Test func aLiveMountIsItsRootNotADirectoryInIt() throws {
        try withMemoryMount { _, mountpoint, _ in
            #expect(MountTable.isLiveFuseMount(mountpoint))
            let inside = mountpoint.appending("d")
            #expect(mkdir(inside.string, 0o755) == 0)
            #expect(!MountTable.isLiveFuseMount(inside), "a directory the FUSE filesystem holds is no mount of its own")
            #expect(!MountTable.isLiveFuseMount(mountpoint.removingLastComponent()))
        }
    }

    @Test func aMountIsKnownByItsIDUntilItGoesEvenBeneathAnother() throws {
        try withTemporaryDirectory { dir in
            #expect(MountTable.mountID(ofRoot: dir) == nil, "a plain directory is no mount's root")
            let options = MountOptions(fsName: "waited", subtype: "fusekit-test")
            let first = try FuseMount(MemoryFilesystem(), at: dir, options: options)
            defer { try? first.unmount(lazy: true) }
            let id = try #require(MountTable.mountID(ofRoot: dir))
            #expect(id == MountTable.mount(at: dir)?.id, "the id mountinfo lists")
            #expect(mkdir(dir.appending("d").string, 0o755) == 0)
            #expect(MountTable.mountID(ofRoot: dir.appending("d")) == nil, "a directory in it is not its root")

            let ended = DispatchSemaphore(value: 0)
            let watcher = Thread { MountTable.waitUntilUnmounted(dir); ended.signal() }
            watcher.start()
            #expect(ended.wait(timeout: .now() + 0.3) == .timedOut, "it waits while the mount is there")
            let second = try FuseMount(MemoryFilesystem(), at: dir, options: options)
            #expect(MountTable.mountID(ofRoot: dir) != id)
            #expect(ended.wait(timeout: .now() + 0.3) == .timedOut, "a mount on top does not end the wait")
            try second.unmount()
            #expect(ended.wait(timeout: .now() + 0.3) == .timedOut, "nor does its unmount")
            try first.unmount()
            #expect(ended.wait(timeout: .now() + 30) == .success, "the wait ends with the mount")
        }
    }

    @Test func deadMountOfAKilledServerIsDetected() throws {
        try withTemporaryDirectory { dir in
            let pid = try startMemoryFilesystemServer(at: dir)
            defer { try? MountTable.unmount(dir, lazy: true) }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)

            #expect(MountTable.isDeadFuseMount(dir))
            #expect(throws: FuseMountError.deadMount(dir)) {
                try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "x", subtype: "fusekit-test"))
            }
            #expect(try MountTable.detachIfDead(dir))
            #expect(MountTable.mount(at: dir) == nil)
            #expect(!MountTable.isDeadFuseMount(dir))
            #expect(try !MountTable.detachIfDead(dir))
        }
    }

    @Test func signalToTheServerUnmountsCleanly() throws {
        try withTemporaryDirectory { dir in
            let pid = try startMemoryFilesystemServer(at: dir)
            defer { try? MountTable.unmount(dir, lazy: true) }
            try writeFile(dir.appending("x"), [1])
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            #expect(status & 0x7f == SIGTERM, "the server ends by the signal it got")
            #expect(MountTable.mount(at: dir) == nil)
        }
    }

    @Test func invalidationMakesTheKernelSeeChangesBehindItsBack() throws {
        try withMemoryMount(timeout: 3600) { mount, root, filesystem in
            let inode = try filesystem.store(Array("short".utf8), at: "notes/file")
            let file = root.appending("notes/file")
            #expect(try fileStatus(file).st_size == 5)
            try filesystem.store(Array("a longer text".utf8), at: "notes/file")
            #expect(try fileStatus(file).st_size == 5, "attributes are cached for an hour")
            #expect(mount.notifier.invalidateInode(inode) == nil)
            #expect(try fileStatus(file).st_size == 13)
            #expect(try readFile(file) == Array("a longer text".utf8))

            #expect(errnoOf(access(root.appending("notes/later").string, F_OK)) == .noSuchFileOrDirectory)
            try filesystem.store([], at: "notes/later")
            let notes = try fileStatus(root.appending("notes"))
            #expect(mount.notifier.invalidateEntry(parent: Inode(rawValue: notes.st_ino), name: "later") == nil)
            #expect(access(root.appending("notes/later").string, F_OK) == 0)
        }
    }

    @Test func notifierAfterUnmountReportsTheSessionGone() throws {
        try withTemporaryDirectory { dir in
            let mount = try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "x", subtype: "fusekit-test"))
            try mount.unmount()
            #expect(mount.notifier.invalidateInode(.root) != nil)
        }
    }
}

/// Starts the `scorpio-memfs` example server (built beside the tests) on `mountpoint` and waits until
/// it has mounted; returns its pid.
private func startMemoryFilesystemServer(at mountpoint: FilePath) throws -> pid_t {
    let server = builtProductsDirectory.appending("scorpio-memfs")
    try #require(access(server.string, X_OK) == 0, "scorpio-memfs is built beside the tests")
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup(server.string), strdup(mountpoint.string), nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    try #require(posix_spawn(&pid, argv[0]!, nil, nil, argv, environ) == 0)
    var waited = 0
    while MountTable.mount(at: mountpoint) == nil && waited < 500 {
        usleep(10_000)
        waited += 1
    }
    try #require(MountTable.mount(at: mountpoint) != nil, "the server mounted")
    return pid
}
