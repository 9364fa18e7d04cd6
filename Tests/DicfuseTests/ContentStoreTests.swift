@testable import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

struct ContentStoreTests {
    private func put(_ store: ContentStore, _ text: String, id: UInt8) throws -> BlobHandle {
        let bytes = Array(text.utf8)
        return try store.open(
            ObjectID(bytes: [UInt8](repeating: id, count: 20)),
            fetch: { (fd: FileDescriptor) throws(SourceError) -> UInt64 in
                do { return UInt64(try fd.writeAll(bytes)) } catch { throw .io("test", reason: "\(error)") }
            },
            verify: { _, size throws(SourceError) in size == UInt64(bytes.count) })
    }

    private func setLastUse(_ store: ContentStore, id: UInt8, seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, store.path(of: ObjectID(bytes: [UInt8](repeating: id, count: 20))).string, &times, 0)
    }

    @Test func storedBlobsAreReadBackAndCountedOnce() throws {
        let scratch = try Scratch()
        let store = try ContentStore(root: scratch.path.appending("store"))
        let first = try put(store, "hello", id: 1)
        #expect(try first.readAll() == Array("hello".utf8))
        _ = try put(store, "ignored: already stored", id: 1)
        #expect(store.counts.fetched == 1)
        #expect(store.counts.hits == 1)
        var st = stat()
        #expect(stat(store.path(of: ObjectID(bytes: [UInt8](repeating: 1, count: 20))).string, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o444, "stored blobs are read-only")
    }

    @Test func aStoreRemovedUnderItsUserIsMadeAgain() throws {
        let scratch = try Scratch()
        let store = try ContentStore(root: scratch.path.appending("store"))
        #expect(try put(store, "before", id: 1).readAll() == Array("before".utf8))
        #expect(shell("rm -rf '\(scratch.path)/store'").status == 0)
        #expect(try put(store, "after", id: 2).readAll() == Array("after".utf8))
        #expect(try put(store, "before", id: 1).readAll() == Array("before".utf8), "fetched again")
    }

    @Test func contentThatFailsVerificationIsNeverStored() throws {
        let scratch = try Scratch()
        let store = try ContentStore(root: scratch.path.appending("store"))
        let id = ObjectID(bytes: [UInt8](repeating: 9, count: 20))
        #expect(throws: SourceError.self) {
            try store.open(id, fetch: { (fd: FileDescriptor) throws(SourceError) -> UInt64 in
                _ = try? fd.writeAll(Array("bad".utf8))
                return 3
            }, verify: { _, _ throws(SourceError) in false })
        }
        #expect(access(store.path(of: id).string, F_OK) != 0)
        #expect(shell("ls -A '\(scratch.path)/store/tmp'").output.isEmpty, "the partial file is gone")
    }

    @Test func aBlobsLastUseIsRecordedWhenItIsStaleOnly() throws {
        let scratch = try Scratch()
        let store = try ContentStore(root: scratch.path.appending("store"))
        _ = try put(store, "used", id: 1)
        func lastUse() -> Int {
            var st = stat()
            stat(store.path(of: ObjectID(bytes: [UInt8](repeating: 1, count: 20))).string, &st)
            return st.st_atim.tv_sec
        }
        let now = time(nil)
        setLastUse(store, id: 1, seconds: now - 60)
        _ = try put(store, "used", id: 1)
        #expect(lastUse() == now - 60, "a use a minute ago is recent enough: the inode is not written")
        setLastUse(store, id: 1, seconds: now - 2 * ContentStore.lastUseResolution)
        _ = try put(store, "used", id: 1)
        #expect(lastUse() >= now, "a stale last use is brought up to date")
    }

    @Test func garbageCollectionRemovesLeastRecentlyUsedFirstAndSparesOpenBlobs() throws {
        let scratch = try Scratch()
        let store = try ContentStore(root: scratch.path.appending("store"))
        for id: UInt8 in 1...4 { _ = try put(store, String(repeating: "x", count: 100), id: id) }
        let held = try put(store, String(repeating: "y", count: 100), id: 5)
        for id: UInt8 in 1...5 { setLastUse(store, id: id, seconds: 1_000_000 + Int(id)) }
        setLastUse(store, id: 5, seconds: 1)  // the oldest, but open

        let report = store.collectGarbage(maxBytes: 250)
        #expect(report.bytesBefore == 500)
        #expect(report.skippedInUse == 1)
        #expect(report.removed == 3)
        #expect(report.bytesAfter == 200)
        let remaining = (1...5).filter { access(store.path(of: ObjectID(bytes: [UInt8](repeating: UInt8($0), count: 20))).string, F_OK) == 0 }
        #expect(remaining == [4, 5], "the newest and the open one stay")
        _ = held
    }
}

struct DicfuseManagerTests {
    @Test func oneInstancePerRevisionWhileLeased() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        let manager = DicfuseManager(store: try ContentStore(root: scratch.path.appending("store")))
        var first: DicfuseLease? = manager.acquire(try GitTreeSource(repository: repository.path.string, revision: "main"))
        var second: DicfuseLease? = manager.acquire(try GitTreeSource(repository: repository.path.string, revision: "main"))
        let other = manager.acquire(try GitTreeSource(repository: repository.path.string, revision: "v1"))
        #expect(first?.dicfuse === second?.dicfuse)
        #expect(first?.dicfuse !== other.dicfuse)
        #expect(manager.instancesInUse.values.sorted() == [1, 2])
        first = nil
        #expect(manager.instancesInUse.values.sorted() == [1, 1])
        second = nil
        #expect(manager.instancesInUse.count == 1)
        _ = other
    }
}
