import Foundation
import SystemPackage

/// The JSON record written next to a job's layer: who made it, from what, with which result, and the
/// layer's OCI identity. Field names are snake_case; times are RFC 3339 in UTC.
public struct ArtifactManifest: Sendable, Hashable, Codable {
    public var jobID: String
    public var baseRevision: String
    public var cl: String?
    public var command: [String]
    public var exitStatus: Int32
    public var startedAt: Date
    public var finishedAt: Date
    public var added: Int
    public var modified: Int
    public var deleted: Int
    public var bytesAdded: UInt64
    public var bytesModified: UInt64
    /// `sha256:<hex>` of the uncompressed tar.
    public var diffID: String
    /// `sha256:<hex>` of the layer file.
    public var digest: String
    public var size: UInt64
    public var mediaType: String
    /// The layer file's name, beside the manifest.
    public var layer: String

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", baseRevision = "base_revision", cl, command, exitStatus = "exit_status"
        case startedAt = "started_at", finishedAt = "finished_at"
        case added, modified, deleted, bytesAdded = "bytes_added", bytesModified = "bytes_modified"
        case diffID = "diff_id", digest, size, mediaType = "media_type", layer
    }

    public init(
        jobID: String, baseRevision: String, cl: String?, command: [String], exitStatus: Int32,
        startedAt: Date, finishedAt: Date, layer: FilePath, summary: LayerSummary
    ) {
        self.jobID = jobID
        self.baseRevision = baseRevision
        self.cl = cl
        self.command = command
        self.exitStatus = exitStatus
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        added = summary.counts.added
        modified = summary.counts.modified
        deleted = summary.counts.deleted
        bytesAdded = summary.counts.bytesAdded
        bytesModified = summary.counts.bytesModified
        diffID = summary.diffID
        digest = summary.digest
        size = summary.size
        mediaType = summary.mediaType
        self.layer = layer.lastComponent?.string ?? layer.string
    }

    /// Where the manifest of `layer` goes: beside it, `.json` in place of the tar extensions
    /// (`run-1.tar.gz` → `run-1.json`).
    public static func path(besideLayer layer: FilePath) -> FilePath {
        var name = layer.lastComponent?.string ?? layer.string
        for suffix in LayerCompression.allCases.map({ ".\($0.fileExtension)" }) where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
            break
        }
        return layer.removingLastComponent().appending("\(name).json")
    }

    /// The manifest as pretty-printed JSON with sorted keys, ending in a newline.
    public func encoded() throws(ArtifactError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339Time.string(from: date))
        }
        do {
            return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
        } catch {
            throw .manifest(FilePath("\(jobID).json"), "\(error)")
        }
    }

    /// Writes the manifest to `path` atomically (a temporary file renamed into place).
    public func write(to path: FilePath) throws(ArtifactError) {
        let bytes = try encoded()
        let temporary = FilePath("\(path.string).partial")
        do {
            let file = try FileDescriptor.open(
                temporary, .writeOnly, options: [.create, .truncate, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead])
            _ = try file.closeAfter { try file.writeAll(bytes) }
        } catch {
            throw .cannotWrite(path, error as? Errno ?? .ioError)
        }
        guard rename(temporary.string, path.string) == 0 else {
            let failure = Errno(rawValue: errno)
            unlink(temporary.string)
            throw .cannotWrite(path, failure)
        }
    }

    public static func read(from path: FilePath) throws(ArtifactError) -> ArtifactManifest {
        let bytes: [UInt8]
        do {
            let file = try FileDescriptor.open(path, .readOnly, options: .closeOnExec)
            bytes = try file.closeAfter {
                var content: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = try chunk.withUnsafeMutableBytes { try file.read(into: $0) }
                    if count == 0 { return content }
                    content += chunk[..<count]
                }
            }
        } catch {
            throw .cannotRead(path, error as? Errno ?? .ioError)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(ArtifactManifest.self, from: Data(bytes))
        } catch {
            throw .manifest(path, "\(error)")
        }
    }
}
