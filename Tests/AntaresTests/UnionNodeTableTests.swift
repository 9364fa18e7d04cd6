@testable import Antares
import Glibc
import SystemPackage
import Testing

/// The fuse union's table of nodes: one per entry the kernel knows, in every view of a job.
struct UnionNodeTableTests {
    /// The node map is most of a fuse union's memory (one entry per file a job looked up): what a
    /// node holds inline is paid for every file of every view.
    @Test func aNodeTakesNoMoreThan96Bytes() {
        #expect(MemoryLayout<UnionNode>.stride <= 96)
    }

    @Test func theNamesOfAnUpperFileWithSeveralLinksShareANodeUntilItIsGone() {
        let table = UnionNodeTable(rootLower: nil)
        let linked: ino_t = 77
        let first = table.child(of: .root, named: "a", lower: nil, upperFile: linked, lookups: 1)
        let second = table.child(of: .root, named: "b", lower: nil, upperFile: linked, lookups: 1)
        #expect(second == first, "a second name of the same upper file joins its node")
        #expect(table.child(of: .root, named: "other", lower: nil, upperFile: 78, lookups: 1) != first)

        #expect(table.removeName("a", in: .root)?.removal == .stillNamed)
        #expect(table.removeName("b", in: .root)?.removal == .inUse, "the kernel still holds two lookups")
        let nameless = table.child(of: .root, named: "c", lower: nil, upperFile: linked, lookups: 1)
        #expect(nameless != first, "a node that lost its last name is no file's node any more")

        #expect(table.forget(first, 2) != nil, "dropped once the kernel forgets it")
        #expect(table.node(first) == nil)
        let again = table.child(of: .root, named: "d", lower: nil, upperFile: linked, lookups: 1)
        #expect(again == nameless, "the upper file's other node is still found by its inode number")
    }

    @Test func aHardLinkMadeThroughTheUnionJoinsTheNodeAndLeavesWithIt() {
        let table = UnionNodeTable(rootLower: nil)
        let file = table.child(of: .root, named: "f", lower: nil, lookups: 1)
        table.addName(file, "g", in: .root, upperFile: 90)
        #expect(table.child(of: .root, named: "g") == file)
        #expect(table.child(of: .root, named: "h", lower: nil, upperFile: 90, lookups: 1) == file)
        for name in ["f", "g", "h"] { table.removeName(name, in: .root) }
        #expect(table.forget(file, 3) != nil)
        #expect(table.child(of: .root, named: "i", lower: nil, upperFile: 90, lookups: 1) != file)
    }
}
