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

    /// overlayfs marks a volatile mount's work directory and refuses it afterwards, as possibly cut
    /// short by a crash; told the upper is whole, the union mounts it again with what it holds.
    @Test(arguments: TestedDrivers.all) func aVolatileUnionsUpperMountsAgainOnceSettled(driver: UnionDriverKind) throws {
        let fixture = try UnionFixture(driver: driver, options: Self.volatile)
        if driver == .kernel {
            #expect(shell("findmnt -no OPTIONS '\(fixture.mountpoint)'").output.contains("volatile"))
        }
        fixture.run("echo kept > kept.txt")
        let union = try #require(fixture.union)
        try fixture.unmount()
        if driver == .kernel {
            #expect(throws: AntaresError.self, "unsettled, as kernel overlayfs") { try fixture.mount() }
        }
        union.settleUpper()
        try fixture.mount()
        #expect(fixture.run("cat kept.txt") == "kept\n")
    }

    @Test func volatileIsAMountOption() {
        var options = UnionMountOptions()
        #expect(options.apply(["volatile", "noatime"]).isEmpty)
        #expect(options.volatile)
    }
}
