import SystemPackage

/// The number of threads of this process, from `/proc/self/status`.
enum ThreadCount {
    static func current() -> Int? {
        guard let bytes = try? FilePath("/proc/self/status").readContents() else { return nil }
        return count(inStatus: bytes)
    }

    /// The `Threads:` line's number. Read byte by byte: a fork waits for it, and generic string
    /// slicing would cost it more than the read itself.
    static func count(inStatus bytes: [UInt8]) -> Int? {
        let label = Array("\nThreads:".utf8)
        var index = bytes.startIndex
        while index + label.count <= bytes.endIndex {
            if bytes[index] == label[0], bytes[index..<index + label.count].elementsEqual(label) {
                index += label.count
                while index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
                var value: Int?
                while index < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    value = (value ?? 0) * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                }
                return value
            }
            index += 1
        }
        return nil
    }
}
