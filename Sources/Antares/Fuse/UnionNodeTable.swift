import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// One name of a union node: a hard-linked file has several.
struct NodeName: Sendable, Equatable {
    var parent: Inode
    var name: String
}

/// A file or directory of the union as the kernel knows it, numbered while it has a name or the kernel
/// uses it.
struct UnionNode: Sendable {
    /// The first is the one used to reach the node; empty once the last name is gone.
    var names: CompactList<NodeName>
    var lower: LowerOrigin?
    /// Unlinked while the kernel still uses it (an open descriptor): its upper file, if it had one, was
    /// moved to the union's scratch space (``UnionFilesystem/orphanPath(_:)``) and lives until forgotten.
    /// (Declared before `lookups`, it takes the room `lower` leaves before the next 8-byte field.)
    var isOrphan = false
    var lookups: UInt64 = 0
}

/// The union's inodes, keyed by their place in the union tree (parent and name), so an entry keeps its
/// number across copy-up and rename for as long as it has a name or the kernel uses it; the names of a
/// hard-linked upper file share one node, as they share one inode in kernel overlayfs. The number of a
/// node that is gone numbers a new one once the union has let go of what it kept under it (``release(_:)``).
final class UnionNodeTable: Sendable {
    private struct State: Sendable {
        var nodes: NodeSlots
        /// Each directory's named children. Kept apart from the nodes: a copy of a node that a request
        /// holds must not share its directory's map, or the next change to that map copies all of it.
        var children: [Inode: ChildNames] = [:]
        /// Nodes of upper files with several links, by the upper file's inode number.
        var upperFiles: [ino_t: Inode] = [:]
        /// The other way round (kept apart from the nodes: every node would carry the room for it, and
        /// the node map is most of a union's memory).
        var upperFileOfNode: [Inode: ino_t] = [:]

        /// `inode` is the node of `upperFile`, a file with several links in the upper layer.
        mutating func linkUpperFile(_ upperFile: ino_t, to inode: Inode) {
            guard nodes[inode] != nil else { return }
            upperFileOfNode[inode] = upperFile
            upperFiles[upperFile] = inode
        }

        /// `inode`'s upper file is no longer known to have several links.
        mutating func forgetUpperFile(of inode: Inode) {
            if let upperFile = upperFileOfNode.removeValue(forKey: inode), upperFiles[upperFile] == inode { upperFiles[upperFile] = nil }
        }

        /// `name` in `parent` is now `inode`, if `parent` is still a node.
        mutating func setChild(_ name: String, of parent: Inode, to inode: Inode) {
            guard nodes[parent] != nil else { return }
            children[parent, default: ChildNames()][name] = inode
        }
    }

    private let state: Mutex<State>

    init(rootLower: LowerOrigin?) {
        state = Mutex(State(nodes: NodeSlots(root: UnionNode(names: [], lower: rootLower, lookups: 1))))
    }

    func node(_ inode: Inode) -> UnionNode? {
        state.withLock { $0.nodes[inode] }
    }

    /// What a node's entry depends on besides its layer entry.
    struct Shape {
        /// It lost its last name.
        var isNameless: Bool
        /// In how many lower layers it continues as a directory.
        var lowerDirectories: Int
        /// Its number's FUSE generation.
        var generation: UInt64
    }

    func shape(of inode: Inode) -> Shape? {
        state.withLock { state in
            guard let node = state.nodes[inode] else { return nil }
            return Shape(
                isNameless: node.names.isEmpty && inode != .root,
                lowerDirectories: node.lower?.isDirectory == true ? node.lower!.places.count : 0,
                generation: state.nodes.generation(of: inode))
        }
    }

    /// The node's path relative to the union root ("" for the root); nil once it has no name.
    func path(of inode: Inode) -> String? {
        state.withLock { state in
            var components: [String] = []
            var length = 0
            var current = inode
            while current != .root {
                guard let name = state.nodes[current]?.names.first else { return nil }
                components.append(name.name)
                length += name.name.utf8.count + 1
                current = name.parent
            }
            var path = ""
            path.reserveCapacity(length)
            for component in components.reversed() {
                if !path.isEmpty { path += "/" }
                path += component
            }
            return path
        }
    }

    func child(of parent: Inode, named name: String) -> Inode? {
        state.withLock { $0.children[parent]?[name] }
    }

    /// The node at `name` in `parent`, made with `lower` if there is none; `lookups` are added to it. An
    /// upper file with several links (`upperFile`: its inode number) joins the node of its other names.
    func child(of parent: Inode, named name: String, lower: LowerOrigin?, upperFile: ino_t? = nil, lookups: UInt64) -> Inode {
        state.withLock { state in
            if let existing = state.children[parent]?[name] {
                state.nodes[existing]?.lookups += lookups
                if let upperFile, state.upperFileOfNode[existing] == nil { state.linkUpperFile(upperFile, to: existing) }
                return existing
            }
            let named = NodeName(parent: parent, name: name)
            if let upperFile, let shared = state.upperFiles[upperFile], state.nodes[shared] != nil {
                state.nodes[shared]!.names.append(named)
                state.nodes[shared]!.lookups += lookups
                state.setChild(name, of: parent, to: shared)
                return shared
            }
            let inode = state.nodes.insert(UnionNode(names: [named], lower: lower, lookups: lookups))
            if let upperFile { state.linkUpperFile(upperFile, to: inode) }
            state.setChild(name, of: parent, to: inode)
            return inode
        }
    }

    /// The kernel forgot `count` references. Named nodes stay (their numbers are stable while they have
    /// a name); a node without names and references is dropped and returned.
    func forget(_ inode: Inode, _ count: UInt64) -> UnionNode? {
        state.withLock { state in
            guard let lookups = state.nodes[inode]?.lookups else { return nil }
            state.nodes[inode]?.lookups = lookups - min(count, lookups)
            return Self.dropIfUnused(inode, in: &state)
        }
    }

    /// The number of a dropped node may be handed out again: nothing is kept under it any more.
    func release(_ inode: Inode) {
        state.withLock { $0.nodes.release(inode) }
    }

    /// What became of a node that lost a name.
    enum NameRemoval: Equatable {
        /// It has other names.
        case stillNamed
        /// That was its last name, but the kernel still uses it (an open file): it lives on, nameless.
        case inUse
        /// That was its last name and nothing uses it: it is gone.
        case dropped
    }

    /// `name` in `parent` is gone (unlinked, removed or replaced). Returns the node that had it and what
    /// became of it.
    @discardableResult
    func removeName(_ name: String, in parent: Inode) -> (inode: Inode, removal: NameRemoval)? {
        state.withLock { state in
            guard let inode = state.children[parent]?.removeValue(forKey: name) else { return nil }
            state.nodes[inode]?.names.removeAll { $0 == NodeName(parent: parent, name: name) }
            guard let node = state.nodes[inode], node.names.isEmpty else { return (inode, .stillNamed) }
            state.forgetUpperFile(of: inode)
            return (inode, Self.dropIfUnused(inode, in: &state) == nil ? .inUse : .dropped)
        }
    }

    /// Marks a nameless node whose data moved to the scratch space.
    func markOrphan(_ inode: Inode) {
        state.withLock { $0.nodes[inode]?.isOrphan = true }
    }

    /// A new name for an existing node (a hard link); its upper file has several links from now on.
    func addName(_ inode: Inode, _ name: String, in parent: Inode, upperFile: ino_t) {
        state.withLock { state in
            state.nodes[inode]?.names.append(NodeName(parent: parent, name: name))
            state.nodes[inode]?.lookups += 1
            state.linkUpperFile(upperFile, to: inode)
            state.setChild(name, of: parent, to: inode)
        }
    }

    /// The node at `name` in `parent` moves to `newName` in `newParent`; the node that had the new name
    /// loses it (see ``removeName(_:in:)`` for what is returned about it).
    @discardableResult
    func move(_ name: String, in parent: Inode, to newName: String, in newParent: Inode) -> (inode: Inode, removal: NameRemoval)? {
        let replaced = removeName(newName, in: newParent)
        state.withLock { state in
            guard let inode = state.children[parent]?.removeValue(forKey: name) else { return }
            state.setChild(newName, of: newParent, to: inode)
            if let index = state.nodes[inode]?.names.firstIndex(of: NodeName(parent: parent, name: name)) {
                state.nodes[inode]?.names[index] = NodeName(parent: newParent, name: newName)
            }
        }
        return replaced
    }

    /// Swaps the nodes at two names.
    func exchange(_ name: String, in parent: Inode, with otherName: String, in otherParent: Inode) {
        state.withLock { state in
            guard let first = state.children[parent]?[name], let second = state.children[otherParent]?[otherName] else { return }
            state.setChild(name, of: parent, to: second)
            state.setChild(otherName, of: otherParent, to: first)
            if let index = state.nodes[first]?.names.firstIndex(of: NodeName(parent: parent, name: name)) {
                state.nodes[first]?.names[index] = NodeName(parent: otherParent, name: otherName)
            }
            if let index = state.nodes[second]?.names.firstIndex(of: NodeName(parent: otherParent, name: otherName)) {
                state.nodes[second]?.names[index] = NodeName(parent: parent, name: name)
            }
        }
    }

    private static func dropIfUnused(_ inode: Inode, in state: inout State) -> UnionNode? {
        guard inode != .root, let node = state.nodes[inode], node.lookups == 0, node.names.isEmpty else { return nil }
        state.nodes.remove(inode)
        state.children[inode] = nil
        state.forgetUpperFile(of: inode)
        return node
    }
}
