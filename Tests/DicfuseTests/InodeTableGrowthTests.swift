@testable import Dicfuse
import Glibc
import SystemPackage
import Testing

/// Loading a tree directory by directory grows the table's storage geometrically: a directory loaded
/// must not copy the whole table (84k entries in ~5k directories made that the server's main cost).
struct InodeTableGrowthTests {
    static let directories = 500

    /// Loads a chain of directories, each holding a file and the next directory, and counts how often
    /// the table's storage changed size on the way.
    static func storageResizes(metadata: EntryMetadata?) -> (resizes: Int, entries: Int) {
        var table = InodeTable(rootID: ObjectID(bytes: [0]))
        var directory = InodeTable.inode(of: 0)
        var footprints: Set<Int> = [table.byteFootprint]
        for level in 0..<directories {
            let id = ObjectID(bytes: withUnsafeBytes(of: UInt32(level).bigEndian, Array.init))
            table.load([
                TreeEntry(name: "d", kind: .directory, objectID: id, size: 0, metadata: metadata),
                TreeEntry(name: FilePath.Component("f\(level)")!, kind: .file(executable: false), objectID: id, size: 1, metadata: metadata),
            ], into: directory)
            footprints.insert(table.byteFootprint)
            guard let next = table.child(of: directory, named: "d") else { break }
            directory = next
        }
        return (footprints.count - 1, table.count)
    }

    @Test(arguments: [false, true])
    func loadingADirectoryDoesNotCopyTheWholeTable(withMetadata: Bool) {
        let now = timespec(tv_sec: 1_700_000_000, tv_nsec: 0)
        let metadata = withMetadata
            ? EntryMetadata(permissions: 0o644, uid: 0, gid: 0, linkCount: 1, accessTime: now, modificationTime: now, changeTime: now)
            : nil
        let (resizes, entries) = Self.storageResizes(metadata: metadata)
        #expect(entries == 1 + 2 * Self.directories, "every directory of the chain was loaded")
        // Geometric growth of its four arrays changes the footprint a few dozen times for 1,000 entries;
        // reserving exactly what each directory adds changes it at nearly every one of the 500 loads.
        #expect(resizes < 100, "the table's storage changed size \(resizes) times for \(Self.directories) directories")
    }
}
