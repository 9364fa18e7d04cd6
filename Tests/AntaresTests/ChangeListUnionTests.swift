import Antares
import ScorpioTestSupport
import SystemPackage
import Testing

/// A CL layer under kernel overlayfs over the Dicfuse base: the view is the CL's commit where the CL
/// changed something and the base everywhere else.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct ChangeListUnionTests {
    @Test func changeListFromMainsTipShowsItsCommit() throws {
        let fixture = try ChangeListRepository()
        let layer = fixture.scratch.path.appending("cl")
        try ChangeListLayerWriter(destination: layer).write(
            GitChangeList(repository: fixture.path.string).changes(of: "456", over: "main").changes)

        let union = try ChangeListUnion(repository: fixture.path, revision: "main", changeList: layer, in: fixture.scratch)
        defer { union.unmount() }
        let expected = try fixture.repository.archive("cl456", into: fixture.scratch)
        #expect(snapshot(union.mountpoint) == snapshot(expected))
    }

    @Test func changeListFromAnOlderCommitShowsTheBasePlusItsOwnChanges() throws {
        let fixture = try ChangeListRepository()
        let layer = fixture.scratch.path.appending("cl")
        try ChangeListLayerWriter(destination: layer).write(
            GitChangeList(repository: fixture.path.string).changes(of: "789", over: "main").changes)

        let union = try ChangeListUnion(repository: fixture.path, revision: "main", changeList: layer, in: fixture.scratch)
        defer { union.unmount() }
        let expected = try fixture.repository.archive("expected789", into: fixture.scratch)
        #expect(snapshot(union.mountpoint) == snapshot(expected))
    }
}
