import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// An open descriptor of a union file's data in the upper layer, the work directory or a lower layer,
/// closed when the last user lets go of it (by its owner, when it has one).
final class DataDescriptor: Sendable {
    let descriptor: Int32
    /// Whether it may be written (the upper layer's file or an orphan's), rather than a lower layer's.
    let isWritable: Bool
    /// The file's group when it is set-group-ID without group execute (a write by someone outside that
    /// group clears the bit, which the kernel leaves to the filesystem); nil otherwise. Kept for the
    /// descriptor's life: a mode change through the union drops the descriptor.
    let setGroupIDWithoutExecute: gid_t?
    /// A lower layer's file's size, which cannot change; nil for a writable file. A read is answered
    /// with what the file holds, not what the kernel asked for: libfuse answers a reply that comes up
    /// short of its request with a buffer of the whole request and one more read at the end of the file.
    let lowerSize: Int64?
    /// What the descriptor belongs to when it is shared rather than the union's own (see ``SharedDescriptor``).
    private let owner: (any Sendable & AnyObject)?

    init(descriptor: Int32, isWritable: Bool, lowerSize: Int64? = nil) {
        self.descriptor = descriptor
        self.isWritable = isWritable
        self.lowerSize = isWritable ? nil : lowerSize
        owner = nil
        var st = stat()
        let mode = isWritable && fstat(descriptor, &st) == 0 ? st.st_mode : 0
        setGroupIDWithoutExecute = mode & S_ISGID != 0 && mode & S_IXGRP == 0 ? st.st_gid : nil
    }

    /// A lower file's descriptor that `shared.owner` keeps open and closes.
    init(reading shared: SharedDescriptor, lowerSize: Int64) {
        descriptor = shared.descriptor
        isWritable = false
        self.lowerSize = lowerSize
        setGroupIDWithoutExecute = nil
        owner = shared.owner
    }

    deinit {
        if owner == nil { close(descriptor) }
    }
}

/// Descriptors of the files the kernel reads and writes by inode: the union answers `open` with
/// ENOSYS (no-open), so the kernel never opens or releases them; the union opens a layer's file on the
/// first read or write and keeps it, at most `limit` at once (least recently kept go first). A file
/// removed or forgotten lets go of its descriptor at once.
final class DataDescriptorCache: Sendable {
    private struct State {
        var descriptors: [Inode: DataDescriptor] = [:]
        /// Inodes in the order they were kept; may name inodes kept again or removed since.
        var order: [Inode] = []
        var orderStart = 0
    }

    private let state = Mutex(State())
    /// Counted in the process's budget only when it draws on it.
    private let membership: DescriptorBudget.Membership?
    /// A fixed limit, or nil for this cache's share of the process's budget (``DescriptorBudget/process``).
    private let fixedLimit: Int?

    init(limit: Int? = nil) {
        fixedLimit = limit.map { max(1, $0) }
        membership = limit == nil ? DescriptorBudget.process.join() : nil
    }

    var limit: Int { fixedLimit ?? DescriptorBudget.process.share }

    func descriptor(for inode: Inode) -> DataDescriptor? {
        state.withLock { $0.descriptors[inode] }
    }

    /// Keeps `descriptor` for `inode` unless a writable one is already kept (then that one is returned).
    func keep(_ descriptor: DataDescriptor, for inode: Inode) -> DataDescriptor {
        let limit = self.limit
        var evicted: [DataDescriptor] = []
        let kept = state.withLock { state in
            if let existing = state.descriptors[inode], existing.isWritable || !descriptor.isWritable { return existing }
            if let replaced = state.descriptors.updateValue(descriptor, forKey: inode) {
                evicted.append(replaced)
            } else {
                state.order.append(inode)
            }
            while state.descriptors.count > limit, state.orderStart < state.order.count {
                let victim = state.order[state.orderStart]
                state.orderStart += 1
                if victim != inode, let dropped = state.descriptors.removeValue(forKey: victim) { evicted.append(dropped) }
            }
            if state.order.count > 4 * limit + 64 { Self.compact(&state) }
            return descriptor
        }
        evicted.removeAll()  // closed here, outside the lock, once their last users let go
        return kept
    }

    /// Drops the order's entries that no longer name a kept descriptor (removed, evicted, or kept again later).
    private static func compact(_ state: inout State) {
        var seen = Set<Inode>()
        var order: [Inode] = []
        for inode in state.order[state.orderStart...].reversed() where state.descriptors[inode] != nil && seen.insert(inode).inserted {
            order.append(inode)
        }
        state.order = order.reversed()
        state.orderStart = 0
    }

    func remove(_ inode: Inode) {
        _ = state.withLock { $0.descriptors.removeValue(forKey: inode) }
    }

    var count: Int { state.withLock { $0.descriptors.count } }
}
