import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct DirectoryMountTests {
    @Test func mountedDirectoryEqualsTheDirectory() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let tree = try repository.archive("main", into: scratch)
        let dicfuse = Dicfuse(source: try DirectoryTreeSource(path: tree), store: try ContentStore(root: scratch.path.appending("store")))
        let mountpoint = scratch.directory("mnt")
        let mount = try dicfuse.mount(at: mountpoint)
        defer { try? mount.unmount(lazy: true) }
        #expect(snapshot(mountpoint) == snapshot(tree))
        #expect(dicfuse.statistics.store.fetched == 2, "only the two symlink targets go through the store")
    }

    @Test func aFileIsNotADirectorySource() throws {
        let scratch = try Scratch()
        let file = scratch.path.appending("file")
        _ = shell("touch '\(file)'")
        #expect(throws: SourceError.notADirectory(file.string)) { try DirectoryTreeSource(path: file) }
    }
}
