@testable import Antares
import SystemPackage
import Testing

/// The base's directories resolved by path, shared by every view over one dictionary.
struct ResolvedDirectoriesTests {
    /// Eight views reading a tree each keep the path of nearly every directory: they share the string the
    /// dictionary keeps for it instead of holding eight copies.
    @Test func anEqualPathIsAnsweredWithTheStringTheTableKeeps() {
        let directories = ResolvedDirectories()
        let recorded = ["drivers", "net", "ethernet", "intel"].joined(separator: "/")
        directories.record(Inode(7), at: recorded)
        let asked = ["drivers/net", "ethernet/intel"].joined(separator: "/")
        #expect(asked == recorded)
        #expect(storage(of: asked) != storage(of: recorded), "two strings, each with its own bytes")

        let kept = directories.keptPath(asked)
        #expect(kept == recorded)
        #expect(kept.map(storage(of:)) == storage(of: recorded))
        #expect(directories.keptPath("drivers/net/absent") == nil)
        #expect(directories.inode(at: asked) == Inode(7))
    }

    private func storage(of string: String) -> UnsafeRawPointer? {
        var string = string
        return string.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }
}
