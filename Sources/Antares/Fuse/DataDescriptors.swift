import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// An open descriptor of a union file's data in the upper or change-list layer, closed when the last
/// user lets go of it.
final class DataDescriptor: Sendable {
    let descriptor: Int32
    /// Whether it is the upper layer's file (writable) rather than the change list's.
    let isUpper: Bool

    init(descriptor: Int32, isUpper: Bool) {
        self.descriptor = descriptor
        self.isUpper = isUpper
    }

    deinit { close(descriptor) }
}

/// Descriptors of the files the kernel reads and writes by inode: the union answers `open` with
/// ENOSYS (no-open), so the kernel never opens or releases them and the union opens a layer's file on the
/// first read or write and keeps it, within `limit` (the descriptor limit is low and not raisable here).
final class DataDescriptorCache: Sendable {
    private let descriptors = Mutex<[Inode: DataDescriptor]>([:])
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func descriptor(for inode: Inode) -> DataDescriptor? {
        descriptors.withLock { $0[inode] }
    }

    /// Keeps `descriptor` for `inode` unless an upper one is already kept (then that one is returned).
    func keep(_ descriptor: DataDescriptor, for inode: Inode) -> DataDescriptor {
        descriptors.withLock { descriptors in
            if let existing = descriptors[inode], existing.isUpper || !descriptor.isUpper { return existing }
            if descriptors.count >= limit, let victim = descriptors.keys.first { descriptors[victim] = nil }
            descriptors[inode] = descriptor
            return descriptor
        }
    }

    func remove(_ inode: Inode) {
        _ = descriptors.withLock { $0.removeValue(forKey: inode) }
    }
}
