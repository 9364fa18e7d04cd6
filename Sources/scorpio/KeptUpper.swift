import Glibc
import ScorpioKit

/// A job unmounted with its upper kept (`scorpio run --keep`, `scorpio umount --keep-upper`): its
/// writes stay on disk until exported or removed.
struct KeptUpper {
    let record: MountRecord
    /// Disk space the upper takes (allocated blocks, as du counts them).
    let bytes: Int

    /// The record's kept upper, or nil when the job is not unmounted or its upper is gone.
    init?(_ record: MountRecord) {
        guard record.state == .unmounted, let bytes = Self.diskUsage(of: record.upper) else { return nil }
        self.record = record
        self.bytes = bytes
    }

    /// "4.0 KiB", "12.3 MiB".
    var size: String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" { return String(format: "%.1f %@", value, unit) }
        }
        return "\(bytes) B"
    }

    /// What to do with kept jobs, for the end of `scorpio list`.
    static let advice = "kept jobs keep their writes: `scorpio export JOB` writes them as a layer, `scorpio umount JOB` removes them"

    /// The bytes allocated below `path` (not following symlinks), or nil when nothing is there.
    private static func diskUsage(of path: String) -> Int? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        var total = Int(status.st_blocks) * 512
        guard status.st_mode & S_IFMT == S_IFDIR, let stream = opendir(path) else { return total }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            total += diskUsage(of: path + "/" + name) ?? 0
        }
        return total
    }
}
