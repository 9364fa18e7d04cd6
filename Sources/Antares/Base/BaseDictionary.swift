import Dicfuse
import FuseKit

/// A base's dictionary held by this process, with the owner its mount shows every entry as (a build
/// user's base): the fuse driver reads the base from it directly, where any other reader goes through
/// the base's mount. Two are equal when they are the same instance shown as the same owner.
public struct BaseDictionary: Sendable, Equatable {
    public let dicfuse: Dicfuse
    public let owner: FileOwner?

    public init(_ dicfuse: Dicfuse, owner: FileOwner? = nil) {
        self.dicfuse = dicfuse
        self.owner = owner
    }

    public static func == (left: BaseDictionary, right: BaseDictionary) -> Bool {
        left.dicfuse === right.dicfuse && left.owner == right.owner
    }
}
