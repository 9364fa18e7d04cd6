import Glibc

/// Whether the process behind a request is in a group (its effective gid or a supplementary one), read
/// from `/proc/PID/status`: only needed where Linux's rules depend on it and the kernel leaves the
/// decision to the filesystem.
enum CallerGroups {
    static func contains(_ gid: gid_t, pid: pid_t, effectiveGID: gid_t) -> Bool {
        if gid == effectiveGID { return true }
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8192)
        let count = read(fd, &bytes, bytes.count)
        guard count > 0 else { return false }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Groups:") }) else { return false }
        return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).contains { gid_t($0) == gid }
    }
}
