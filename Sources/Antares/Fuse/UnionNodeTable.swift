import FuseKit
import Synchronization
import SystemPackage

/// Where a union entry continues below the upper layer: its entry in the change list and in the base.
struct LowerOrigin: Sendable, Equatable {
    /// The entry's path in the change-list layer (relative to it), if it is there.
    var changeListPath: String?
    /// The entry in the base.
    var base: Inode?
    /// The entry's path in the lower layers (what a redirect to it records).
    var path: String
    var isDirectory: Bool
}

/// One name of a union node: a hard-linked file has several.
struct NodeName: Sendable, Equatable {
    var parent: Inode
    var name: String
}

/// A file or directory of the union as the kernel knows it, numbered for the life of the mount.
struct UnionNode: Sendable {
    /// The first is the one used to reach the node; empty once the last name is gone.
    var names: [NodeName]
    var lower: LowerOrigin?
    var children: [String: Inode] = [:]
    var lookups: UInt64 = 0
}

/// The union's inodes, keyed by their place in the union tree (parent and name), so an entry keeps its
/// number across copy-up and rename for as long as the mount lives.
final class UnionNodeTable: Sendable {
    private struct State: Sendable {
        var nodes: [Inode: UnionNode]
        var nextInode: UInt64 = 2
    }

    private let state: Mutex<State>

    init(rootLower: LowerOrigin?) {
        state = Mutex(State(nodes: [.root: UnionNode(names: [], lower: rootLower, lookups: 1)]))
    }

    func node(_ inode: Inode) -> UnionNode? {
        state.withLock { $0.nodes[inode] }
    }

    /// The node's path relative to the union root ("" for the root); nil once it has no name.
    func path(of inode: Inode) -> String? {
        state.withLock { state in
            var components: [String] = []
            var current = inode
            while current != .root {
                guard let name = state.nodes[current]?.names.first else { return nil }
                components.append(name.name)
                current = name.parent
            }
            return components.reversed().joined(separator: "/")
        }
    }

    func child(of parent: Inode, named name: String) -> Inode? {
        state.withLock { $0.nodes[parent]?.children[name] }
    }

    /// The node at `name` in `parent`, made with `lower` if there is none; `lookups` are added to it.
    func child(of parent: Inode, named name: String, lower: LowerOrigin?, lookups: UInt64) -> Inode {
        state.withLock { state in
            if let existing = state.nodes[parent]?.children[name] {
                state.nodes[existing]?.lookups += lookups
                return existing
            }
            let inode = Inode(rawValue: .init(state.nextInode))
            state.nextInode += 1
            state.nodes[inode] = UnionNode(names: [NodeName(parent: parent, name: name)], lower: lower, lookups: lookups)
            state.nodes[parent]?.children[name] = inode
            return inode
        }
    }

    func addLookups(_ inode: Inode, _ count: UInt64) {
        state.withLock { $0.nodes[inode]?.lookups += count }
    }

    /// The kernel forgot `count` references. Named nodes stay (their numbers are stable for the mount's
    /// life); a node without names and references is dropped. Returns whether it was.
    @discardableResult
    func forget(_ inode: Inode, _ count: UInt64) -> Bool {
        state.withLock { state in
            guard var node = state.nodes[inode] else { return false }
            node.lookups -= min(count, node.lookups)
            if node.lookups == 0 && node.names.isEmpty && inode != .root {
                state.nodes[inode] = nil
                return true
            }
            state.nodes[inode] = node
            return false
        }
    }

    /// `name` in `parent` is gone (unlinked, removed or replaced).
    func removeName(_ name: String, in parent: Inode) {
        state.withLock { state in
            guard let inode = state.nodes[parent]?.children.removeValue(forKey: name) else { return }
            state.nodes[inode]?.names.removeAll { $0 == NodeName(parent: parent, name: name) }
            if let node = state.nodes[inode], node.names.isEmpty, node.lookups == 0 { state.nodes[inode] = nil }
        }
    }

    /// A new name for an existing node (a hard link).
    func addName(_ inode: Inode, _ name: String, in parent: Inode) {
        state.withLock { state in
            state.nodes[inode]?.names.append(NodeName(parent: parent, name: name))
            state.nodes[inode]?.lookups += 1
            state.nodes[parent]?.children[name] = inode
        }
    }

    /// The node at `name` in `parent` moves to `newName` in `newParent` (whatever was there is gone).
    func move(_ name: String, in parent: Inode, to newName: String, in newParent: Inode) {
        state.withLock { state in
            guard let inode = state.nodes[parent]?.children.removeValue(forKey: name) else { return }
            if let replaced = state.nodes[newParent]?.children[newName] {
                state.nodes[replaced]?.names.removeAll { $0 == NodeName(parent: newParent, name: newName) }
            }
            state.nodes[newParent]?.children[newName] = inode
            if let index = state.nodes[inode]?.names.firstIndex(of: NodeName(parent: parent, name: name)) {
                state.nodes[inode]?.names[index] = NodeName(parent: newParent, name: newName)
            }
        }
    }

    /// Swaps the nodes at two names.
    func exchange(_ name: String, in parent: Inode, with otherName: String, in otherParent: Inode) {
        state.withLock { state in
            guard let first = state.nodes[parent]?.children[name], let second = state.nodes[otherParent]?.children[otherName] else { return }
            state.nodes[parent]?.children[name] = second
            state.nodes[otherParent]?.children[otherName] = first
            if let index = state.nodes[first]?.names.firstIndex(of: NodeName(parent: parent, name: name)) {
                state.nodes[first]?.names[index] = NodeName(parent: otherParent, name: otherName)
            }
            if let index = state.nodes[second]?.names.firstIndex(of: NodeName(parent: otherParent, name: otherName)) {
                state.nodes[second]?.names[index] = NodeName(parent: parent, name: name)
            }
        }
    }
}
