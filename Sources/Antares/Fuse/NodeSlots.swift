import FuseKit
import SystemPackage

/// The union's nodes by number. A number indexes its slot in fixed-size chunks, and the number of a
/// node that is gone is handed out again once released, so the table holds as many slots as the most
/// nodes it held at once: no hashing, no load factor, and no large allocation doubled (and the old one
/// left behind as a hole in the heap) as a view grows. Eight views reading a tree hold a little over
/// one view's nodes, not eight half-empty hash tables.
struct NodeSlots: Sendable {
    /// 48 KiB of slots: well under the allocator's threshold for a mapping of its own.
    static let chunkSize = 512

    private var chunks: [ContiguousArray<UnionNode?>] = []
    /// Per slot, how many times its number was released: the FUSE generation of the node under it, so
    /// a file handle (`name_to_handle_at`) of a node that is gone never opens the one numbered after it.
    private var generations: [ContiguousArray<UInt32>] = []
    /// Numbers released after their node was removed, handed out again first.
    private var released: [Inode.RawValue] = []
    /// The first number never handed out.
    private var next: Inode.RawValue

    init(root: UnionNode) {
        next = Inode.root.rawValue
        let inode = insert(root)
        precondition(inode == .root)
    }

    /// Slots allocated, used or not.
    var capacity: Int { chunks.count * Self.chunkSize }

    private static func place(_ inode: Inode) -> (chunk: Int, slot: Int)? {
        guard inode.rawValue > 0 else { return nil }
        let index = Int(inode.rawValue - 1)
        return (index / chunkSize, index % chunkSize)
    }

    /// The node numbered `inode`; nil for a number with no node. Mutating it changes the node in place;
    /// nodes come and go through ``insert(_:)`` and ``remove(_:)``, not by assigning here.
    subscript(inode: Inode) -> UnionNode? {
        get {
            guard let (chunk, slot) = Self.place(inode), chunk < chunks.count else { return nil }
            return chunks[chunk][slot]
        }
        _modify {
            if let (chunk, slot) = Self.place(inode), chunk < chunks.count {
                yield &chunks[chunk][slot]
            } else {
                var absent: UnionNode? = nil
                yield &absent
            }
        }
    }

    /// Stores `node` under a free number and returns it.
    mutating func insert(_ node: UnionNode) -> Inode {
        let inode: Inode
        if let number = released.popLast() {
            inode = Inode(rawValue: .init(number))
        } else {
            inode = Inode(rawValue: .init(next))
            next += 1
        }
        let (chunk, slot) = Self.place(inode)!
        while chunk >= chunks.count {
            chunks.append(ContiguousArray(repeating: nil, count: Self.chunkSize))
            generations.append(ContiguousArray(repeating: 0, count: Self.chunkSize))
        }
        chunks[chunk][slot] = node
        return inode
    }

    /// Takes the node out. Its number stays unused until ``release(_:)``: whatever was kept under it
    /// (a descriptor, a scratch file) must be let go of first.
    @discardableResult
    mutating func remove(_ inode: Inode) -> UnionNode? {
        guard let (chunk, slot) = Self.place(inode), chunk < chunks.count else { return nil }
        defer { chunks[chunk][slot] = nil }
        return chunks[chunk][slot]
    }

    /// `inode`, removed, may number a new node, of the next generation.
    mutating func release(_ inode: Inode) {
        guard inode != .root, inode.rawValue < next, self[inode] == nil, let (chunk, slot) = Self.place(inode) else { return }
        generations[chunk][slot] &+= 1
        released.append(inode.rawValue)
    }

    /// The generation of the node numbered `inode`: 0 until its number is reused.
    func generation(of inode: Inode) -> UInt64 {
        guard let (chunk, slot) = Self.place(inode), chunk < generations.count else { return 0 }
        return UInt64(generations[chunk][slot])
    }
}
