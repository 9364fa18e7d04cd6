import Dicfuse
import FuseKit
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
/// walk from the root (unions ask by path, and a base never changes). Every view's threads ask it on
/// every lookup and read and it changes only while a tree is first walked, so readers share its lock.
final class ResolvedDirectories: @unchecked Sendable {
    private let lock = ReadWriteLock()
    private var inodes: [String: Inode] = [:]

    func inode(at path: String) -> Inode? { lock.reading { inodes[path] } }

    func record(_ inode: Inode, at path: String) { lock.writing { inodes[path] = inode } }

    /// The string this table keeps for `path`, when it has that directory: every view that keeps the
    /// path too can share its storage instead of holding a copy of its own.
    func keptPath(_ path: String) -> String? {
        lock.reading { inodes.index(forKey: path).map { inodes[$0].key } }
    }
}
