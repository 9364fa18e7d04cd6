import Glibc
import Synchronization

/// One `st_ino` for all the names of a hard-linked file of a lower layer, drawn from a range the union's
/// own inode numbers never reach.
final class LowerLinkNumbers: Sendable {
    private struct Key: Hashable {
        var layer: Int
        var device: UInt64
        var inode: UInt64
    }

    private let numbers = Mutex<[Key: UInt64]>([:])
    private static let first: UInt64 = 1 << 62

    func serialNumber(layer: Int, _ st: stat) -> UInt64 {
        numbers.withLock { numbers in
            let key = Key(layer: layer, device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            if let number = numbers[key] { return number }
            let number = Self.first + UInt64(numbers.count)
            numbers[key] = number
            return number
        }
    }
}
