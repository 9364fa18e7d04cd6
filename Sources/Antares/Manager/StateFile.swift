import Foundation
import Synchronization
import SystemPackage

/// The manager's records in a TOML file, read and rewritten whole under an exclusive lock (so several
/// processes can share it) and replaced atomically, so a crash leaves the old or the new file, never
/// half of one: a save writes the spare file beside it (`{name}.next`, the text two saves back) and
/// exchanges the two. It is not fsynced: its records describe mounts, which a reboot ends anyway, and
/// every mount and unmount rewrites it.
struct StateFile: Sendable {
    let path: FilePath
    /// The file as this process last read or wrote it: a host remembers a few hundred finished jobs, a
    /// mount changes one record, and the text rarely changes behind this process's back, so a save
    /// decodes nothing and encodes one record.
    private let last = LastSeen()

    init(path: FilePath) { self.path = path }

    /// Runs `change` on the current records under the file's lock and writes the result back.
    @discardableResult
    func update<T>(_ change: (inout [MountRecord]) throws(ManagerError) -> T) throws(ManagerError) -> T {
        let lock = try lockFile()
        defer { close(lock) }
        var records = try readHoldingLock()
        let result = try change(&records)
        try store(records)
        return result
    }

    /// The records as they are now, read under the file's lock held shared: a save writes over the
    /// spare, which a reader that opened the file two saves back could still be reading. Where nobody
    /// has made the lock file yet, nobody has saved either, and where it cannot be opened there is no
    /// save to wait for that this process could see: the file is read without it.
    func read() throws(ManagerError) -> [MountRecord] {
        let lock = open(lockPath, O_RDONLY | O_CLOEXEC)
        defer { if lock >= 0 { close(lock) } }
        if lock >= 0 { while flock(lock, LOCK_SH) != 0 && errno == EINTR {} }
        return try readHoldingLock()
    }

    private func readHoldingLock() throws(ManagerError) -> [MountRecord] {
        let bytes: [UInt8]
        do { bytes = try Self.contents(of: path) } catch { throw .state(path.string, reason: "cannot be read: \(error)") }
        if bytes.isEmpty { return [] }
        if let snapshot = last.snapshot, snapshot.holds(bytes) { return snapshot.records }
        do {
            let parsed = try StateFileText.parse(String(decoding: bytes, as: UTF8.self))
            let snapshot = Snapshot(bytes: bytes, records: parsed.map(\.record), texts: parsed.map(\.text))
            last.snapshot = snapshot
            return snapshot.records
        } catch {
            throw .state(path.string, reason: "cannot be read: \(error)")
        }
    }

    /// Removes the temporary files earlier versions' saves left when killed between their rename and
    /// unlink: each holds an earlier text of the file, nothing more. Call it inside ``update(_:)``.
    func removeLeftoverTemporaries() {
        let directory = path.removingLastComponent()
        guard let name = path.lastComponent?.string, let listing = opendir(directory.string) else { return }
        let prefix = name + ".tmp-"
        for entry in Posix.entries(of: listing) where entry.name.hasPrefix(prefix) {
            unlink(directory.appending(entry.name).string)
        }
    }

    /// The file whose flock every save holds exclusive and every read shared.
    private var lockPath: String { path.string + ".lock" }

    /// The file every save writes, then exchanges with the state file; only ever written under the lock.
    var spare: FilePath { FilePath(path.string + ".next") }

    /// Writes the records into the spare file and puts it in the state file's place. One file reused
    /// keeps a save from making an inode and deleting one: on an ext4 without a journal, a new inode
    /// soon after many deletions costs up to a millisecond (the allocator passes over every recently
    /// deleted inode of its group), and each deleted one adds to that. The text is written over the
    /// old one, never truncated to nothing first: ext4 writes out a file truncated to nothing at its
    /// close (its `auto_da_alloc`), a disk write for every save.
    private func store(_ records: [MountRecord]) throws(ManagerError) {
        let snapshot = Snapshot(records, after: last.snapshot)
        let fd = open(spare.string, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .state(spare.string, reason: String(cString: strerror(errno))) }
        let written = snapshot.bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        let complete = written == snapshot.bytes.count && ftruncate(fd, off_t(snapshot.bytes.count)) == 0
        let error = errno
        close(fd)
        guard complete else { throw .state(path.string, reason: "cannot be written: \(String(cString: strerror(error)))") }
        do throws(Errno) {
            try Self.replace(path.string, with: spare.string)
        } catch {
            throw .state(path.string, reason: "cannot be written: \(error)")
        }
        last.snapshot = snapshot
    }

    /// Puts `spare` in the place of the file at `path` in one step, and the file in the spare's. Exchanged,
    /// not renamed over: ext4 starts writing a file out at once when it replaces another by a rename (its
    /// `auto_da_alloc` again), and the replaced inode would be deleted.
    private static func replace(_ path: String, with spare: String) throws(Errno) {
        do {
            try Posix.rename(spare, path, flags: Posix.renameExchange)
        } catch .noSuchFileOrDirectory, .invalidArgument {
            // No file yet, or a file system that cannot exchange.
            try Posix.rename(spare, path)
        }
    }

    private func lockFile() throws(ManagerError) -> Int32 {
        let directory = path.removingLastComponent()
        try? FileManager.default.createDirectory(atPath: directory.string, withIntermediateDirectories: true)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .state(path.string, reason: "cannot lock: \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        return fd
    }

    /// The whole file; a missing one is empty.
    private static func contents(of path: FilePath) throws(Errno) -> [UInt8] {
        do { return try path.readContents() } catch .noSuchFileOrDirectory { return [] }
    }
}

/// A state file's bytes with their records and each record's text in Scorpio's layout (nil for a
/// record read from text another writer laid out); the file is the texts joined by blank lines.
private struct Snapshot: Sendable {
    let bytes: [UInt8]
    let records: [MountRecord]
    let texts: [String?]

    func holds(_ text: [UInt8]) -> Bool {
        guard text.count == bytes.count else { return false }
        return bytes.isEmpty || text.withUnsafeBytes { new in bytes.withUnsafeBytes { memcmp(new.baseAddress!, $0.baseAddress!, $0.count) == 0 } }
    }

    init(bytes: [UInt8], records: [MountRecord], texts: [String?]) {
        (self.bytes, self.records, self.texts) = (bytes, records, texts)
    }

    /// The file of `records`, reusing the text of each record `previous` holds unchanged. A save moves
    /// or drops a few records and keeps the order of the rest, so they are matched walking both lists.
    init(_ records: [MountRecord], after previous: Snapshot?) {
        var texts: [String?] = []
        texts.reserveCapacity(records.count)
        var bytes: [UInt8] = []
        bytes.reserveCapacity((previous?.bytes.count ?? 0) + 1024)
        var next = 0
        for record in records {
            var text: String?
            if let previous, let index = previous.records[next...].firstIndex(where: { $0.mountID == record.mountID }) {
                next = index + 1
                if previous.records[index] == record { text = previous.texts[index] }
            }
            let recordText = text ?? StateFileText.text(of: record)
            if !bytes.isEmpty { bytes.append(UInt8(ascii: "\n")) }
            bytes.append(contentsOf: recordText.utf8)
            texts.append(recordText)
        }
        (self.bytes, self.records, self.texts) = (bytes, records, texts)
    }
}

/// The last snapshot of the file this process read or wrote.
private final class LastSeen: Sendable {
    private let last = Mutex<Snapshot?>(nil)

    var snapshot: Snapshot? {
        get { last.withLock { $0 } }
        set { last.withLock { $0 = newValue } }
    }
}
