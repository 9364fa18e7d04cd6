import Glibc
import SystemPackage

/// One file of a Mega change list (`GET /api/v1/cl/{link}/files-list`).
public struct MegaChangedFile: Sendable, Equatable, Decodable {
    public enum Action: Sendable, Equatable {
        case added, modified, deleted
    }

    /// Absolute on the server (`/a/b.txt`).
    public var path: String
    /// The blob's id (added and modified files).
    public var sha: String
    public var action: Action

    private enum CodingKeys: String, CodingKey { case path, sha, action }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        sha = try container.decodeIfPresent(String.self, forKey: .sha) ?? ""
        let action = try container.decode(String.self, forKey: .action).lowercased()
        switch action {
        case "added", "add", "new", "create", "created": self.action = .added
        case "modified", "modify", "update", "updated", "changed": self.action = .modified
        case "deleted", "delete", "removed", "remove": self.action = .deleted
        default:
            throw DecodingError.dataCorruptedError(forKey: .action, in: container, debugDescription: "unknown action '\(action)'")
        }
    }

    public init(path: String, sha: String, action: Action) {
        self.path = path
        self.sha = sha
        self.action = action
    }
}

extension MegaTreeSource {
    /// The files change list `link` touches, with paths relative to this source's root; files outside
    /// the root are left out.
    public func changeList(_ link: String) throws(SourceError) -> [MegaChangedFile] {
        let root = api.endpoints.rootPath == "/" ? "/" : api.endpoints.rootPath + "/"
        return try api.changeListFiles(link).compactMap { file in
            guard file.path.hasPrefix(root) else { return nil }
            return MegaChangedFile(path: String(file.path.dropFirst(root.count)), sha: file.sha, action: file.action)
        }
    }

    /// A blob's bytes, checked against its id (for change-list files, which no listing sized).
    public func blobContent(_ id: ObjectID) throws(SourceError) -> [UInt8] {
        var template = Array("/tmp/scorpio-mega-blob.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .io("/tmp", reason: "cannot create a temporary file: \(Errno(rawValue: errno))") }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        let descriptor = FileDescriptor(rawValue: fd)
        defer { try? descriptor.close() }
        let size = try api.downloadBlob(id, expectedSize: nil, to: descriptor)
        guard try verify(id, content: descriptor, size: size) else {
            throw .corruptObject(id, reason: "the server's bytes do not hash to the id")
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard read == Int(size) else { throw .io("/tmp", reason: "cannot read back blob \(id.short)") }
        return bytes
    }
}
