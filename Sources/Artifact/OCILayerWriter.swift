import CArchive
import Glibc
import SystemPackage

/// Writes a job's changes as an OCI image layer: a PAX tar holding added and modified entries as they
/// are on disk, `.wh.<name>` for deleted paths and `<dir>/.wh..wh..opq` for opaque directories,
/// compressed with gzip, zstd or nothing.
///
/// Entries are written in component-wise path order, an opaque marker right after its directory, hard
/// links (one inode reached by two paths) as tar links to the first path, with numeric owners and
/// without access or change times, so the same changes over the same files give the same bytes.
/// The writer takes changes as given: a renamed directory's subtree must be among them in full.
public struct OCILayerWriter: Sendable {
    public var compression: LayerCompression
    public var filter: PathFilter
    /// Where to find the parent directories of changed entries (the upper directory). When set, each
    /// parent that is not itself a change is written before its first child, as containerd does, so
    /// extraction gives it the upper's owner, mode and mtime rather than a default; parents are not counted.
    public var parentDirectories: FilePath?
    /// zstd's compression workers; the layer's bytes are the same for any number of them.
    var compressionThreads = LayerOutput.defaultThreads

    public init(compression: LayerCompression = .gzip, filter: PathFilter = .everything, parentDirectories: FilePath? = nil) {
        self.compression = compression
        self.filter = filter
        self.parentDirectories = parentDirectories
    }

    /// Writes the layer to `destination` (replacing it) and returns its digests and counts. On failure
    /// nothing is left at `destination`.
    public func write(_ changes: [LayerChange], to destination: FilePath) throws(ArtifactError) -> LayerSummary {
        let selected = try select(changes)
        let output = try LayerOutput(destination: destination, compression: compression, threads: compressionThreads)
        var session = LayerSession(output: output)
        do {
            for change in selected {
                if let parentDirectories { try session.appendParents(of: change.path, from: parentDirectories) }
                try session.append(change)
            }
            let digests = try output.finish()
            return LayerSummary(
                compression: compression, diffID: "sha256:\(digests.tar)", digest: "sha256:\(digests.file)",
                size: output.fileSize, uncompressedSize: output.tarSize, counts: session.counts, entries: session.entries)
        } catch {
            output.discard()
            throw error
        }
    }

    /// The changes the filter keeps, paths normalized, in the order they are written.
    private func select(_ changes: [LayerChange]) throws(ArtifactError) -> [LayerChange] {
        var selected: [LayerChange] = []
        selected.reserveCapacity(changes.count)
        for change in changes {
            guard let path = LayerPath.normalized(change.path) else { throw .invalidPath(change.path) }
            guard filter.keeps(path) else { continue }
            selected.append(LayerChange(path: path, kind: change.kind))
        }
        return selected.sorted { LayerPath.precedes($0.path, $1.path) }
    }
}

/// One layer being written: the entries so far, the inodes already archived, the counts.
private struct LayerSession: ~Copyable {
    private struct Inode: Hashable {
        var device: UInt64
        var number: UInt64
    }

    let output: LayerOutput
    private let disk = DiskEntryReader()
    private var firstPathOfInode: [Inode: String] = [:]
    /// Directories already in the layer, to write each parent once.
    private var directories: Set<String> = []
    private(set) var counts = ChangeCounts()
    private(set) var entries = 0

    /// File content passes through here on its way into the tar, one block at a time.
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: LayerOutput.blockSize, alignment: 4096)

    init(output: LayerOutput) { self.output = output }

    deinit { readBuffer.deallocate() }

    mutating func append(_ change: LayerChange) throws(ArtifactError) {
        switch change.kind {
        case .deleted:
            try writeMarker(LayerPath.whiteout(for: change.path))
            counts.deleted += 1
        case .added(let source):
            if let bytes = try writeFromDisk(source, as: change.path) {
                counts.added += 1
                counts.bytesAdded += bytes
            }
        case .modified(let source):
            if let bytes = try writeFromDisk(source, as: change.path) {
                counts.modified += 1
                counts.bytesModified += bytes
            }
        case .opaqueDirectory(let source):
            if try writeFromDisk(source, as: change.path) != nil {
                try writeMarker(LayerPath.opaqueMarker(in: change.path))
                counts.modified += 1
            }
        }
    }

    /// Writes the ancestors of `path` not yet in the layer, outermost first, as they are below `root`.
    mutating func appendParents(of path: String, from root: FilePath) throws(ArtifactError) {
        var ancestors: [String] = []
        var current = Substring(path)
        while let slash = current.lastIndex(of: "/") {
            current = current[..<slash]
            guard !directories.contains(String(current)) else { break }
            ancestors.append(String(current))
        }
        for ancestor in ancestors.reversed() {
            let source = root.appending(ancestor)
            var status = stat()
            guard lstat(source.string, &status) == 0, status.st_mode & Glibc.S_IFMT == Glibc.S_IFDIR else { continue }
            _ = try writeFromDisk(source, as: ancestor)
        }
    }

    /// An empty regular file with no permissions and time zero: a whiteout or an opaque marker.
    private mutating func writeMarker(_ path: String) throws(ArtifactError) {
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        archive_entry_copy_pathname(entry, path)
        archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
        archive_entry_set_perm(entry, 0)
        archive_entry_set_size(entry, 0)
        archive_entry_set_mtime(entry, 0, 0)
        try output.check(archive_write_header(output.tar, entry), output.tar, entry: path)
        try output.check(archive_write_finish_entry(output.tar), output.tar, entry: path)
        entries += 1
    }

    /// Archives `source` as `path`; returns the content bytes it added, or nil for a socket (which a tar
    /// cannot hold and is left out).
    private mutating func writeFromDisk(_ source: FilePath, as path: String) throws(ArtifactError) -> UInt64? {
        var status = stat()
        guard lstat(source.string, &status) == 0 else { throw .cannotRead(source, Errno(rawValue: errno)) }
        let type = status.st_mode & Glibc.S_IFMT
        guard type != Glibc.S_IFSOCK else { return nil }
        let entry = try disk.entry(for: source, status: status, path: path)
        defer { archive_entry_free(entry) }
        var contentBytes = type == Glibc.S_IFREG ? UInt64(status.st_size) : 0
        if type == Glibc.S_IFREG, status.st_nlink > 1 {
            let inode = Inode(device: UInt64(status.st_dev), number: UInt64(status.st_ino))
            if let first = firstPathOfInode[inode] {
                archive_entry_copy_hardlink(entry, first)
                archive_entry_set_size(entry, 0)
                contentBytes = 0
            } else {
                firstPathOfInode[inode] = path
            }
        }
        try output.check(archive_write_header(output.tar, entry), output.tar, entry: path)
        if contentBytes > 0 { try copyContent(of: source, bytes: contentBytes, entry: path) }
        try output.check(archive_write_finish_entry(output.tar), output.tar, entry: path)
        entries += 1
        if type == Glibc.S_IFDIR { directories.insert(path) }
        return contentBytes
    }

    /// Streams at most `bytes` of `source` into the current entry; libarchive pads a file that shrank.
    private func copyContent(of source: FilePath, bytes: UInt64, entry path: String) throws(ArtifactError) {
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(source, .readOnly, options: [.noFollow, .closeOnExec])
        } catch {
            throw .cannotRead(source, error as? Errno ?? .ioError)
        }
        defer { try? file.close() }
        var remaining = bytes
        while remaining > 0 {
            let count: Int
            do {
                count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: readBuffer[..<Int(min(UInt64(readBuffer.count), remaining))]))
            } catch {
                throw .cannotRead(source, error as? Errno ?? .ioError)
            }
            guard count > 0 else { break }
            if archive_write_data(output.tar, readBuffer.baseAddress, count) < 0 { try output.check(ARCHIVE_FATAL, output.tar, entry: path) }
            remaining -= UInt64(count)
        }
    }
}
