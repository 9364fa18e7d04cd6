import FuseKit
import Synchronization
import SystemPackage

/// One entry of a directory listing.
struct DirectoryItem: Sendable {
    var name: String
    var inode: Inode
    var type: FileType
    /// A whiteout listed as what it is on disk (a directory that only one layer makes up is listed as
    /// that layer has it, as kernel overlayfs lists it); looking it up finds nothing.
    var isListedWhiteout = false
}

/// Snapshots of directories, taken when a listing starts (offset 0), so that offsets stay stable
/// however the directory changes while it is read. The union answers no opendir (the kernel then
/// caches listings itself and sends no opendir or releasedir), so nothing says when a listing ends:
/// the most recent ``limit`` snapshots are kept, and an offset names its snapshot.
final class DirectoryListings: Sendable {
    static let limit = 512

    private struct State {
        var listings: [UInt32: [DirectoryItem]] = [:]
        var order: [UInt32] = []
        var nextGeneration: UInt32 = 1
    }

    private let state = Mutex(State())

    /// Keeps `items` as a new snapshot; returns its generation.
    func add(_ items: [DirectoryItem]) -> UInt32 {
        state.withLock { state in
            let generation = state.nextGeneration
            state.nextGeneration = state.nextGeneration == UInt32(Int32.max) ? 1 : state.nextGeneration + 1
            state.listings[generation] = items
            state.order.append(generation)
            if state.order.count > Self.limit { state.listings.removeValue(forKey: state.order.removeFirst()) }
            return generation
        }
    }

    func items(_ generation: UInt32) -> [DirectoryItem]? {
        state.withLock { $0.listings[generation] }
    }
}

/// A readdir offset: the snapshot's generation in the high 32 bits (below 2^31, so offsets stay
/// positive), the position of the next entry in the low 32.
struct DirectoryCookie: Equatable {
    var generation: UInt32
    var position: Int

    init(generation: UInt32, position: Int) {
        self.generation = generation
        self.position = position
    }

    init(offset: Int64) {
        generation = UInt32(truncatingIfNeeded: UInt64(bitPattern: offset) >> 32)
        position = Int(UInt32(truncatingIfNeeded: offset))
    }

    var offset: Int64 { Int64(bitPattern: UInt64(generation) << 32 | UInt64(UInt32(truncatingIfNeeded: position))) }
}
