@testable import Antares
import Glibc
import SystemPackage
import Testing

/// The union's kept descriptors: its own ones it closes, shared ones (a base blob's) it only holds.
struct DataDescriptorTests {
    /// Stands for a base blob: closes its descriptor when the last holder lets go.
    final class Owner: Sendable {
        let descriptor: Int32
        init(_ descriptor: Int32) { self.descriptor = descriptor }
        deinit { close(descriptor) }
    }

    private func isOpen(_ descriptor: Int32) -> Bool { fcntl(descriptor, F_GETFD) != -1 }

    @Test func aSharedDescriptorIsHeldNotClosed() throws {
        let descriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        var owner: Owner? = Owner(descriptor)
        weak let watched = owner
        var kept: DataDescriptor? = DataDescriptor(reading: SharedDescriptor(descriptor: descriptor, owner: owner!), lowerSize: 0)
        owner = nil
        #expect(watched != nil && isOpen(descriptor), "the union's hold keeps the owner and its descriptor")
        #expect(kept?.isWritable == false)
        kept = nil
        #expect(watched == nil, "the owner goes, and closes, once nobody holds it")
    }

    @Test func evictingASharedDescriptorLeavesItOpenForItsOwner() throws {
        let cache = DataDescriptorCache(limit: 1)
        let descriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        let owner = Owner(descriptor)
        _ = cache.keep(DataDescriptor(reading: SharedDescriptor(descriptor: descriptor, owner: owner), lowerSize: 0), for: Inode(2))
        let other = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(other >= 0)
        _ = cache.keep(DataDescriptor(descriptor: other, isWritable: false), for: Inode(3))
        #expect(cache.descriptor(for: Inode(2)) == nil, "evicted")
        #expect(isOpen(owner.descriptor), "the owner's descriptor is the owner's to close")
    }

    /// A small lower file is read in one request and then served from the page cache, so the union
    /// keeps no descriptor for it; a larger one's descriptor is kept for the requests that follow.
    @Test func aLowerFileReadInOneRequestKeepsNoDescriptor() throws {
        let fixture = try UnionFixture(driver: .fuse) { changeList in
            try "from the change list\n".write(toFile: changeList.appending("listed.txt").string, atomically: false, encoding: .utf8)
        }
        let union = try #require(fixture.union?.driver as? FuseUnionDriver).filesystem
        fixture.run("cat src/main.c listed.txt > /dev/null")
        #expect(union.dataDescriptors.count == 0, "a base file and a change-list file, each read in one request")
        fixture.run("cat blob.bin > /dev/null")
        #expect(union.dataDescriptors.count == 1, "the 1 MiB file's descriptor is kept")
        fixture.run("echo more >> src/main.c && cat src/main.c > /dev/null")
        #expect(union.dataDescriptors.count == 2, "a file written through the union keeps its upper descriptor")
    }

    /// A lower file cannot change under the union, so a read of it is answered with what it holds, not
    /// the page or more the kernel asks for (libfuse would allocate the whole request and read again at
    /// the end of the file).
    @Test func aLowerFilesReadIsAnsweredWithWhatTheFileHolds() throws {
        let text = "from the change list\n"
        let fixture = try UnionFixture(driver: .fuse) { changeList in
            try text.write(toFile: changeList.appending("listed.txt").string, atomically: false, encoding: .utf8)
        }
        let requests = try #require((fixture.union?.driver as? FuseUnionDriver)?.requests)
        let before = requests.bytesRead
        fixture.run("cat listed.txt > /dev/null")
        #expect(requests.bytesRead - before == text.utf8.count)
    }
}
