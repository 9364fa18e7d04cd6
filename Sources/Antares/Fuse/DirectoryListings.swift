import FuseKit
import Synchronization
import SystemPackage

/// One entry of a directory listing.
struct DirectoryItem: Sendable {
    var name: String
    var inode: Inode
    var type: FileType
}

/// Snapshots of directories taken at opendir, so offsets stay stable however the directory changes
/// while it is being read.
final class DirectoryListings: Sendable {
    private struct State {
        var listings: [UInt64: [DirectoryItem]] = [:]
        var nextHandle: UInt64 = 1
    }

    private let state = Mutex(State())

    func add(_ items: [DirectoryItem]) -> UInt64 {
        state.withLock { state in
            let handle = state.nextHandle
            state.nextHandle += 1
            state.listings[handle] = items
            return handle
        }
    }

    func items(_ handle: UInt64) -> [DirectoryItem]? {
        state.withLock { $0.listings[handle] }
    }

    func remove(_ handle: UInt64) {
        _ = state.withLock { $0.listings.removeValue(forKey: handle) }
    }
}
