import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite(.enabled(if: FuseHost.canMount, "needs root to mount"))
struct ScratchTests {
    /// A test that fails, or a server that dies under it, leaves its mounts in its scratch directory:
    /// the directory's end detaches them, nested ones and names with spaces included.
    @Test func aScratchDirectorysEndDetachesWhatIsMountedInIt() throws {
        var scratch: Scratch? = try Scratch()
        let path = try #require(scratch?.path)
        let outer = path.appending("a tmpfs")
        let inner = outer.appending("bound here")
        let bound = path.appending("bound")
        let made = shell("""
            mkdir -p '\(outer)' '\(bound)' && mount -t tmpfs scratch-test '\(outer)' && mkdir '\(inner)' && mount --bind '\(bound)' '\(inner)'
            """)
        try #require(made.status == 0, "mounted: \(made.output)")
        #expect(Scratch.mountpoints(under: path) == [outer.string, inner.string], "read from the mount table, unescaped")
        scratch = nil
        #expect(Scratch.mountpoints(under: path).isEmpty, "nothing is left mounted")
        #expect(access(path.string, F_OK) != 0, "and the directory is removed")
    }
}
