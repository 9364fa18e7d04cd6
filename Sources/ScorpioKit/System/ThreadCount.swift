import SystemPackage

/// The number of threads of this process, from `/proc/self/status`.
enum ThreadCount {
    static func current() -> Int? {
        guard let bytes = try? FilePath("/proc/self/status").readContents() else { return nil }
        let status = String(decoding: bytes, as: UTF8.self)
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingSpaces)
        }
        return nil
    }
}
