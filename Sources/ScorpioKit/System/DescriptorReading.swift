import Glibc

/// Reading a descriptor (a child's report pipe) until its writers have all closed it.
enum DescriptorReading {
    /// Every byte read from `descriptor` until end of file or an error.
    static func toEnd(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}
