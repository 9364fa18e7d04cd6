import Glibc

/// The descriptors this process has open, from /proc/self/fd.
enum OpenDescriptors {
    /// The open descriptors in ascending order (empty when /proc is not there).
    static func list() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let number = withUnsafeBytes(of: entry.pointee.d_name) { Self.number($0) }
            if let number, number != own { descriptors.append(number) }
        }
        return descriptors.sorted()
    }

    /// The decimal number a NUL-terminated name spells (nil for `.`, `..` or anything else).
    private static func number(_ name: UnsafeRawBufferPointer) -> Int32? {
        var value: Int32?
        for byte in name {
            if byte == 0 { break }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = (value ?? 0) &* 10 &+ Int32(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
