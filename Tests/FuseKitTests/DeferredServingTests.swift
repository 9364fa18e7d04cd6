import FuseKit
import Glibc
import MemFS
import ScorpioTestSupport
import Synchronization
import SystemPackage
import Testing

/// A mount made with `servingNow: false`, as by a process that forks the one that serves it.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct DeferredServingTests {
    @Test func itsUsersWaitUntilItIsServed() throws {
        try withTemporaryDirectory { dir in
            let mount = try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "deferred", subtype: "fusekit-test"), servingNow: false)
            defer { try? mount.unmount(lazy: true) }
            #expect(MountTable.mount(at: dir)?.fileSystemType == "fuse.fusekit-test", "mounted before it is served")
            #expect(mount.isMounted)

            let written = Mutex<Bool?>(nil)
            let file = dir.appending("early")
            let user = startDetachedThread {
                let done = (try? writeFile(file, Array("x".utf8))) != nil
                written.withLock { $0 = done }
            }
            #expect(user == nil)
            usleep(200_000)
            #expect(written.withLock { $0 } == nil, "a user of the mount waits while nobody serves it")

            try mount.serve()
            var waited = 0
            while written.withLock({ $0 }) == nil && waited < 500 {
                usleep(10_000)
                waited += 1
            }
            #expect(written.withLock { $0 } == true, "the waiting user is answered once it is served")
            #expect(try readFile(file) == Array("x".utf8))
            try mount.serve()  // a second call changes nothing
            try mount.unmount()
            #expect(MountTable.mount(at: dir) == nil)
        }
    }

    @Test func aMountNeverServedUnmountsWithoutWaitingForALoop() throws {
        try withTemporaryDirectory { dir in
            let mount = try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "unserved", subtype: "fusekit-test"), servingNow: false)
            try mount.unmount()
            #expect(MountTable.mount(at: dir) == nil)
            #expect(!mount.isMounted)
            try mount.unmount()  // a second unmount is harmless
            try mount.serve()  // and serving an unmounted one does nothing
            #expect(!mount.isMounted)
            #expect(MountTable.mount(at: dir) == nil)
        }
    }

    @Test func aRelinquishedMountIsNeitherServedNorUnmountedHereAndEndsWithItsLastDescriptor() throws {
        try withTemporaryDirectory { dir in
            let mount = try FuseMount(MemoryFilesystem(), at: dir, options: MountOptions(fsName: "relinquished", subtype: "fusekit-test"), servingNow: false)
            defer { try? MountTable.unmount(dir, lazy: true) }
            mount.relinquish()
            #expect(!mount.isMounted)
            try mount.unmount()
            try mount.serve()
            #expect(MountTable.mount(at: dir) != nil, "the mount is left to the process that serves it")
            // Nobody else holds the connection, so it ended with this process's descriptor.
            var st = stat()
            #expect(stat(dir.appending("x").string, &st) != 0 && errno == ENOTCONN)
            #expect(MountTable.isDeadFuseMount(dir))
        }
    }
}
