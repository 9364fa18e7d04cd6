import Antares
import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// What a job changed, read back from the upper directory a union wrote.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"), .serialized)
struct UpperChangesTests {
    @Test(arguments: TestedDrivers.all)
    func changesAreClassifiedAgainstTheBase(driver: UnionDriverKind) throws {
        let union = try UnionFixture(driver: driver)
        union.run("""
            echo more >> src/main.c; echo new > added.txt; mkdir -p made/inner && echo x > made/inner/x
            rm empty.txt; mv new renamed; echo y > renamed/deep/er/extra
            rm -r src/lib; mkdir src/lib; echo z > src/lib/z
            """)
        let dicfuse = union.dicfuse
        let changes = UpperChanges(upper: union.upper).list { path in
            guard let inode = try? dicfuse.resolve(FilePath(path)), let attributes = try? dicfuse.attributes(of: inode) else { return nil }
            return attributes.mode & S_IFMT == S_IFDIR
        }
        let listing = changes.map(\.description)
        #expect(listing.contains("M src/main.c"))
        #expect(listing.contains("A added.txt"))
        #expect(listing.contains("A made"))
        #expect(listing.contains("A made/inner/x"))
        #expect(listing.contains("D empty.txt"))
        #expect(listing.contains("R renamed/ (from new)"))
        #expect(listing.contains("A renamed/deep/er/extra"))
        #expect(listing.contains("R src/lib/ (replaced)"))
        #expect(listing.contains("A src/lib/z"))
        #expect(!listing.contains { $0.hasSuffix(" src") }, "a directory that only holds changes is no change itself")
    }
}
