import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// The Mega source through a real FUSE mount, against the loopback server.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct MegaMountTests {
    @Test func mountedMegaTreeEqualsGitArchive() async throws {
        try await withMegaServer { repository, server in
            let scratch = try Scratch()
            let archive = scratch.directory("archive")
            #expect(shell("git -C '\(repository.path)' -c tar.umask=0022 archive HEAD | tar -x -C '\(archive)'").status == 0)
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let dicfuse = Dicfuse(source: source, store: try ContentStore(root: scratch.path.appending("store")))
            let mountpoint = scratch.directory("mnt")
            let mount = try dicfuse.mount(at: mountpoint)
            defer { try? mount.unmount(lazy: true) }
            #expect(snapshot(mountpoint) == snapshot(archive))
        }
    }

    @Test func serverDownFailsNamingTheURLAndMountsNothing() throws {
        let scratch = try Scratch()
        let mountpoint = scratch.directory("mnt")
        let error = #expect(throws: SourceError.self) {
            let source = try MegaTreeSource(options: megaTestOptions("http://127.0.0.1:9", maxRetries: 0))
            _ = try Dicfuse(source: source, store: try ContentStore(root: scratch.path.appending("store"))).mount(at: mountpoint)
        }
        #expect(error?.description.contains("http://127.0.0.1:9") == true)
        #expect(MountTable.mount(at: mountpoint) == nil)
    }
}
