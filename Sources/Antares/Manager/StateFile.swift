import Foundation
import SystemPackage
import TOMLKit

/// The manager's records in a TOML file, read and rewritten whole under an exclusive lock (so several
/// processes can share it) and replaced atomically (temp file, fsync, rename), so a crash leaves the old
/// or the new file, never half of one.
struct StateFile: Sendable {
    let path: FilePath

    private struct Document: Codable {
        var mounts: [MountRecord]
    }

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
        do {
            return try TOMLDecoder().decode(Document.self, from: String(decoding: data, as: UTF8.self)).mounts
        } catch {
            throw .state(path.string, reason: "cannot be read: \(error)")
        }
    }

    private func store(_ records: [MountRecord]) throws(ManagerError) {
        let text: String
        do { text = try TOMLEncoder().encode(Document(mounts: records)) } catch { throw .state(path.string, reason: "\(error)") }
        let temporary = path.string + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .state(temporary, reason: String(cString: strerror(errno))) }
        let written = text.withCString { write(fd, $0, strlen($0)) }
        let synced = fsync(fd)
        close(fd)
        guard written == text.utf8.count, synced == 0, rename(temporary, path.string) == 0 else {
            unlink(temporary)
            throw .state(path.string, reason: "cannot be written: \(String(cString: strerror(errno)))")
        }
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
