import Foundation
import Synchronization
import SystemPackage

/// The manager's records in a TOML file, read and rewritten whole under an exclusive lock (so several
/// processes can share it) and replaced atomically (temp file, rename), so a crash leaves the old or the
/// new file, never half of one. It is not fsynced: its records describe mounts, which a reboot ends
/// anyway, and every mount and unmount rewrites it.
struct StateFile: Sendable {
    let path: FilePath
    /// The records of the file's text as this process last read or wrote it: decoding is most of what a
    /// mount costs once a few hundred finished jobs are remembered, and the text rarely changes behind
    /// this process's back.
    private let decoded = DecodedRecords()
    /// Each record's text as this process last read or wrote it: a mount changes one record, so one is
    /// encoded.
    private let encoded = EncodedRecords()

    init(path: FilePath) { self.path = path }

    /// Runs `change` on the current records under the file's lock and writes the result back.
    @discardableResult
    func update<T>(_ change: (inout [MountRecord]) throws(ManagerError) -> T) throws(ManagerError) -> T {
        let lock = try lockFile()
        defer { close(lock) }
        var records = try read()
        let result = try change(&records)
        try store(records)
        return result
    }

    /// The records as they are now.
    func read() throws(ManagerError) -> [MountRecord] {
        guard let data = FileManager.default.contents(atPath: path.string), !data.isEmpty else { return [] }
        if let records = decoded.records(of: data) { return records }
        do {
            let parsed = try StateFileText.parse(String(decoding: data, as: UTF8.self))
            let records = parsed.map(\.record)
            decoded.remember(records, as: data)
            encoded.remember(parsed)
            return records
        } catch {
            throw .state(path.string, reason: "cannot be read: \(error)")
        }
    }

    private func store(_ records: [MountRecord]) throws(ManagerError) {
        let text = encoded.text(of: records, encoding: StateFileText.text(of:))
        let temporary = path.string + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .state(temporary, reason: String(cString: strerror(errno))) }
        let written = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        guard written == text.utf8.count, rename(temporary, path.string) == 0 else {
            unlink(temporary)
            throw .state(path.string, reason: "cannot be written: \(String(cString: strerror(errno)))")
        }
        decoded.remember(records, as: Data(text.utf8))
    }

    private func lockFile() throws(ManagerError) -> Int32 {
        let directory = path.removingLastComponent()
        try? FileManager.default.createDirectory(atPath: directory.string, withIntermediateDirectories: true)
        let fd = open(path.string + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .state(path.string, reason: "cannot lock: \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        return fd
    }
}

/// The last text of the state file this process saw, with its records.
private final class DecodedRecords: Sendable {
    private let last = Mutex<(text: Data, records: [MountRecord])?>(nil)

    func records(of text: Data) -> [MountRecord]? {
        last.withLock { $0?.text == text ? $0?.records : nil }
    }

    func remember(_ records: [MountRecord], as text: Data) {
        last.withLock { $0 = (text, records) }
    }
}

/// The TOML text of each record this process last read or wrote, by mount ID; the file is their
/// concatenation (an array of tables is its `[[mounts]]` sections one after the other).
private final class EncodedRecords: Sendable {
    private let last = Mutex<[String: (record: MountRecord, text: String)]>([:])

    /// Keeps the texts of records read in Scorpio's own layout, to be written again as they are.
    func remember(_ parsed: [(record: MountRecord, text: String?)]) {
        last.withLock { last in
            for (record, text) in parsed {
                if let text { last[record.mountID] = (record, text) }
            }
        }
    }

    func text(of records: [MountRecord], encoding encode: (MountRecord) -> String) -> String {
        let known = last.withLock { $0 }
        var texts: [String: (record: MountRecord, text: String)] = [:]
        var document = ""
        for record in records {
            let text: String
            if let previous = known[record.mountID], previous.record == record { text = previous.text } else { text = encode(record) }
            texts[record.mountID] = (record, text)
            if !document.isEmpty { document += "\n" }
            document += text
        }
        last.withLock { $0 = texts }
        return document
    }
}
