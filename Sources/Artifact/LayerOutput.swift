import CArchive
import Crypto
import Glibc
import SystemPackage

/// The libarchive writers behind a layer, chained so both digests come out of one pass: the pax
/// writer's tar stream is hashed (diff_id) and, for a compressed layer, fed as the single entry of a
/// raw-format writer whose compression filter's output is hashed (digest) and written to the
/// destination file. An uncompressed layer's tar goes straight to the file: its digest is its diff_id.
final class LayerOutput {
    /// What the tar writer hands on at once (libarchive's default is 10 KiB). The last block is not
    /// padded, so the size changes how often the stream is handed on, never its bytes.
    static let blockSize = 256 * 1024

    let destination: FilePath
    let tar: OpaquePointer
    /// The raw-format writer whose filter compresses the tar; nil for an uncompressed layer.
    private let compressor: OpaquePointer?
    private let file: FileDescriptor
    private var tarHash = SHA256()
    private var fileHash = SHA256()
    private(set) var tarSize: UInt64 = 0
    private(set) var fileSize: UInt64 = 0
    private var writeFailure: Errno?
    private var isClosed = false
    private var isReleased = false

    /// Compression workers by default: one per online CPU.
    static var defaultThreads: Int { max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1) }

    init(destination: FilePath, compression: LayerCompression, threads: Int = defaultThreads) throws(ArtifactError) {
        self.destination = destination
        do {
            file = try FileDescriptor.open(
                destination, .writeOnly, options: [.create, .truncate, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw .cannotWrite(destination, error as? Errno ?? .ioError)
        }
        compressor = compression == .none ? nil : archive_write_new()
        tar = archive_write_new()
        let client = Unmanaged.passUnretained(self).toOpaque()
        do {
            if let compressor { try configure(compressor, for: compression, threads: threads, client: client) }
            try check(archive_write_set_format_pax(tar), tar)
            try check(archive_write_set_format_option(tar, "pax", "xattrheader", "SCHILY"), tar)
            try check(archive_write_set_bytes_per_block(tar, Int32(Self.blockSize)), tar)
            try check(archive_write_set_bytes_in_last_block(tar, 1), tar)
            try check(archive_write_open2(tar, client, nil, { _, client, buffer, length in
                Unmanaged<LayerOutput>.fromOpaque(client!).takeUnretainedValue().consumeTar(buffer!, length)
            }, nil, nil), tar)
        } catch {
            discard()
            throw error
        }
    }

    /// gzip at level 6 and zstd at level 3, the levels `gzip` and `zstd` use by default. zstd runs
    /// `threads` workers that compress while this thread reads and hashes; its output depends on the
    /// level and on there being workers, not on how many.
    private func configure(
        _ compressor: OpaquePointer, for compression: LayerCompression, threads: Int, client: UnsafeMutableRawPointer
    ) throws(ArtifactError) {
        switch compression {
        case .gzip:
            try check(archive_write_add_filter_gzip(compressor), compressor)
            try check(archive_write_set_filter_option(compressor, "gzip", "compression-level", "6"), compressor)
            // No timestamp in the gzip header: the same tar compresses to the same bytes.
            try check(archive_write_set_filter_option(compressor, "gzip", "timestamp", nil), compressor)
        case .zstd:
            try check(archive_write_add_filter_zstd(compressor), compressor)
            try check(archive_write_set_filter_option(compressor, "zstd", "compression-level", "3"), compressor)
            try check(archive_write_set_filter_option(compressor, "zstd", "threads", String(max(threads, 1))), compressor)
        case .none:
            return
        }
        try check(archive_write_set_format_raw(compressor), compressor)
        try check(archive_write_set_bytes_per_block(compressor, 0), compressor)
        try check(archive_write_open2(compressor, client, nil, { _, client, buffer, length in
            Unmanaged<LayerOutput>.fromOpaque(client!).takeUnretainedValue().consumeCompressed(buffer!, length)
        }, nil, nil), compressor)
        let entry = archive_entry_new()
        defer { archive_entry_free(entry) }
        archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
        archive_entry_copy_pathname(entry, "layer.tar")
        try check(archive_write_header(compressor, entry), compressor)
    }

    /// Flushes the writers and closes the file; returns the digests (`diff_id`, digest) as hex.
    func finish() throws(ArtifactError) -> (tar: String, file: String) {
        defer { discard() }
        try check(archive_write_close(tar), tar)
        if let compressor { try check(archive_write_close(compressor), compressor) }
        isClosed = true
        do {
            try file.close()
        } catch {
            unlink(destination.string)
            throw .cannotWrite(destination, error as? Errno ?? .ioError)
        }
        let tarDigest = tarHash.finalize().hex
        return (tarDigest, compressor == nil ? tarDigest : fileHash.finalize().hex)
    }

    /// Releases everything; after a failure, removes the partial file.
    func discard() {
        guard !isReleased else { return }
        isReleased = true
        archive_write_free(tar)
        if let compressor { archive_write_free(compressor) }
        if !isClosed {
            isClosed = true
            try? file.close()
            unlink(destination.string)
        }
    }

    /// Fails with libarchive's message unless `status` is OK (or a warning); a write error of our own
    /// callback wins, since it names the real cause.
    func check(_ status: Int32, _ archive: OpaquePointer, entry: String? = nil) throws(ArtifactError) {
        if let writeFailure { throw .cannotWrite(destination, writeFailure) }
        guard status < ARCHIVE_WARN else { return }
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "error \(status)"
        throw .archive(path: entry ?? destination.string, message: message)
    }

    private func consumeTar(_ buffer: UnsafeRawPointer, _ length: Int) -> Int {
        let bytes = UnsafeRawBufferPointer(start: buffer, count: length)
        tarHash.update(bufferPointer: bytes)
        tarSize += UInt64(length)
        guard let compressor else { return writeToFile(bytes) ? length : -1 }
        return archive_write_data(compressor, buffer, length) < 0 ? -1 : length
    }

    private func consumeCompressed(_ buffer: UnsafeRawPointer, _ length: Int) -> Int {
        let bytes = UnsafeRawBufferPointer(start: buffer, count: length)
        guard writeToFile(bytes) else { return -1 }
        fileHash.update(bufferPointer: bytes)
        return length
    }

    private func writeToFile(_ bytes: UnsafeRawBufferPointer) -> Bool {
        do {
            _ = try file.writeAll(bytes)
        } catch {
            writeFailure = error as? Errno ?? .ioError
            return false
        }
        fileSize += UInt64(bytes.count)
        return true
    }
}
