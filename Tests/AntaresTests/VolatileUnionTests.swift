import Antares
import FuseKit
import ScorpioTestSupport
import Testing

/// Unions mounted `volatile`: what the job syncs reaches no disk, and the upper mounts again.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct VolatileUnionTests {
    private static var volatile: UnionMountOptions {
        var options = UnionMountOptions()
        options.volatile = true
        return options
    }

    /// `sync FILE` is an fsync: a volatile fuse union answers the first ENOSYS, which the kernel takes as
    /// success and remembers, so the server sees one request where a synced union sees every call.
    @Test func aVolatileFuseUnionAnswersOneFsyncForAll() throws {
        for (options, expected) in [(UnionMountOptions(), 3), (Self.volatile, 1)] {
            let union = try UnionFixture(driver: .fuse, options: options)
            union.run("echo a > synced && sync synced && sync synced && sync synced")
            #expect(union.union?.requests?[.fsync] == expected, "volatile: \(options.volatile)")
            #expect(union.run("cat synced") == "a\n")
        }
    }

    /// overlayfs marks a volatile mount's work directory and refuses it afterwards; the kernel driver
    /// clears the mark, so an upper unmounted cleanly mounts again with what it holds.
    @Test(arguments: TestedDrivers.all) func aVolatileUnionsUpperMountsAgain(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver, options: Self.volatile)
        if driver == .kernel {
            #expect(shell("findmnt -no OPTIONS '\(union.mountpoint)'").output.contains("volatile"))
        }
        union.run("echo kept > kept.txt")
        try union.unmount()
        try union.mount()
        #expect(union.run("cat kept.txt") == "kept\n")
    }

    @Test func volatileIsAMountOption() {
        var options = UnionMountOptions()
        #expect(options.apply(["volatile", "noatime"]).isEmpty)
        #expect(options.volatile)
    }
}
