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
        #expect(MemoryLayout<UnionNode?>.stride <= 96, "an empty slot of the table costs no more than a node")
    }

    /// A view numbers every file it looks up; a job that makes and removes files by the thousand must not
    /// make its table grow with every file it ever had.
    @Test func theNumberOfANodeThatIsGoneNumbersTheNextOneOnceReleased() {
        let table = UnionNodeTable(rootLower: nil)
        let first = table.child(of: .root, named: "a", lower: nil, lookups: 1)
        let second = table.child(of: .root, named: "b", lower: nil, lookups: 1)
        #expect(first != .root && second != first)

        #expect(table.removeName("a", in: .root)?.removal == .inUse)
        #expect(table.forget(first, 1) != nil)
        let beforeRelease = table.child(of: .root, named: "c", lower: nil, lookups: 1)
        #expect(beforeRelease != first, "a number is not handed out while the union may still keep something under it")

        table.release(first)
        let reused = table.child(of: .root, named: "d", lower: nil, lookups: 1)
        #expect(reused == first)
        #expect(table.shape(of: reused)?.generation == 1, "a reused number is of the next generation")
        #expect(table.shape(of: second)?.generation == 0)
        #expect(table.path(of: reused) == "d")
        #expect(table.child(of: .root, named: "a") == nil, "the old name is not the new node's")
        #expect(table.node(second)?.names.first?.name == "b", "the other nodes are untouched")
    }

    @Test func slotsHoldAsManyNodesAsTheMostAtOnce() {
        var slots = NodeSlots(root: UnionNode(names: [], lower: nil, lookups: 1))
        let count = 3 * NodeSlots.chunkSize
        for _ in 0..<4 {
            let made = (0..<count).map { _ in slots.insert(UnionNode(names: [], lower: nil, lookups: 1)) }
            #expect(Set(made).count == count)
            #expect(slots[made[count - 1]]?.lookups == 1)
            slots[made[0]]?.lookups += 2
            #expect(slots[made[0]]?.lookups == 3, "a node is changed in place")
            for inode in made {
                #expect(slots.remove(inode) != nil)
                slots.release(inode)
            }
            #expect(slots[made[0]] == nil)
        }
        #expect(slots.capacity == 4 * NodeSlots.chunkSize, "the root and one round's nodes: \(slots.capacity) slots")
        #expect(slots[.root] != nil)
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

    /// A view knows a few children of most directories: they are kept in a list until there are more
    /// than a list should be searched for, then in a dictionary, and answer the same either way.
    @Test func aDirectorysChildrenAnswerAlikeInAListAndInADictionary() {
        var children = ChildNames()
        var expected: [String: Inode] = [:]
        let names = (0..<(3 * ChildNames.listLimit)).map { "a child with a name longer than fifteen bytes \($0)" }
        for (index, name) in names.enumerated() {
            children[name] = Inode(UInt(index + 2))
            expected[name] = Inode(UInt(index + 2))
            if index % 3 == 0 {
                children[name] = Inode(UInt(index + 1000))
                expected[name] = Inode(UInt(index + 1000))
            }
            if index % 4 == 1 {
                #expect(children.removeValue(forKey: name) == expected.removeValue(forKey: name))
            }
            for known in names[...index] { #expect(children[known] == expected[known], "\(known) after \(index + 1) names") }
        }
        #expect(children["absent"] == nil)
        for name in names { children[name] = nil }
        #expect(names.allSatisfy { children[$0] == nil })
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
