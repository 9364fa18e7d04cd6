import Dicfuse
import FuseKit
import Synchronization
import SystemPackage

/// A base's dictionary held by this process, with the owner its mount shows every entry as (a build
/// user's base): the fuse driver reads the base from it directly, where any other reader goes through
/// the base's mount. Two are equal when they are the same instance shown as the same owner.
public struct BaseDictionary: Sendable, Equatable {
    public let dicfuse: Dicfuse
    public let owner: FileOwner?
    /// Shared by every union that reads this dictionary.
    let resolvedDirectories = ResolvedDirectories()

    public init(_ dicfuse: Dicfuse, owner: FileOwner? = nil) {
        self.dicfuse = dicfuse
        self.owner = owner
    }

    public static func == (left: BaseDictionary, right: BaseDictionary) -> Bool {
        left.dicfuse === right.dicfuse && left.owner == right.owner
    }
}

/// The base's directories already resolved, by path: an entry is then one lookup in its parent, not a
/// walk from the root (unions ask by path, and a base never changes).
final class ResolvedDirectories: Sendable {
    private let inodes = Mutex<[String: Inode]>([:])

    func inode(at path: String) -> Inode? { inodes.withLock { $0[path] } }

    func record(_ inode: Inode, at path: String) { inodes.withLock { $0[path] = inode } }
}
