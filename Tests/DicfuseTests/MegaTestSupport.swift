import Dicfuse
import Foundation
import ScorpioTestSupport
import SystemPackage

/// Runs `body` against a fresh test repository served by mega_server.py with `switches`; both are
/// cleaned up however `body` ends.
func withMegaServer(
    _ switches: [String] = [],
    _ body: (MegaTestRepository, MegaTestServer) async throws -> Void
) async throws {
    let repository = try MegaTestRepository.make()
    defer { repository.remove() }
    let server = try MegaTestServer(repository: repository, switches: switches)
    defer { server.stop() }
    try await body(repository, server)
}

/// Options for tests: the defaults, with retries that do not keep a test waiting.
func megaTestOptions(_ baseURL: String, rootPath: String = "/", maxRetries: Int = 3) -> MegaSourceOptions {
    MegaSourceOptions(baseURL: baseURL, rootPath: rootPath, maxRetries: maxRetries, retryBackoffStep: .milliseconds(1))
}

/// The `url` and `reason` of a `.server` error.
func megaServerFailure(_ error: SourceError?) -> (url: String, reason: String)? {
    guard case .server(let url, let reason)? = error else { return nil }
    return (url, reason)
}

/// What a listing must agree with `git ls-tree -l` on, per name.
struct MegaEntrySummary: Equatable, CustomStringConvertible {
    var kind: TreeEntryKind
    var oid: String
    var size: UInt64

    init(_ entry: TreeEntry) {
        kind = entry.kind
        oid = entry.objectID.hex
        size = entry.size
    }

    init(_ item: MegaGitTreeItem, modes: Bool = true) {
        kind = modes || item.kind == .directory ? item.kind : .file(executable: false)
        oid = item.oid
        size = item.size
    }

    var description: String { "\(kind) \(oid.prefix(8)) \(size)" }
}

/// Every directory and blob of a source, walked from its root.
struct MegaSourceWalk {
    var directories: [SourceDirectory] = []
    var blobs: [(entry: TreeEntry, directory: SourceDirectory)] = []

    init(_ source: MegaTreeSource, check: (SourceDirectory, [TreeEntry]) throws -> Void) throws {
        var pending = [source.root]
        while let directory = pending.popLast() {
            directories.append(directory)
            let entries = try source.list(directory)
            try check(directory, entries)
            for entry in entries {
                switch entry.kind {
                case .directory:
                    pending.append(SourceDirectory(path: directory.path.appending(entry.name), objectID: entry.objectID))
                case .file, .symlink:
                    blobs.append((entry, directory))
                case .submodule, .fifo, .socket, .characterDevice, .blockDevice:
                    break
                }
            }
        }
    }
}

/// A temporary file standing in for a new file of the content store; removed on deinit.
final class MegaScratchFile {
    let path: String
    let descriptor: FileDescriptor

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("scorpio-mega-blob-\(UUID().uuidString)").path
        descriptor = try FileDescriptor.open(
            FilePath(path), .readWrite, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
    }

    deinit {
        try? descriptor.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    var contents: [UInt8] {
        get throws { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
    }

    func replaceContents(with bytes: [UInt8]) throws {
        try descriptor.resize(to: 0)
        _ = try descriptor.writeAll(toAbsoluteOffset: 0, bytes)
    }
}
