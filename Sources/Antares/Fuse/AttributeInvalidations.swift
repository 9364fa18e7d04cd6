import FuseKit
import Synchronization
import SystemPackage

/// Tells the kernel that the attributes it cached for some inodes changed behind its back (a parent
/// directory gained a copied-up child; a set-group-ID bit was cleared), before the request that changed
/// them is answered. Dropping cached attributes takes no inode lock in the kernel, so a request handler
/// may do it for any inode, the one it answers for included.
final class AttributeInvalidations: Sendable {
    private let notifier = Mutex<KernelCacheNotifier?>(nil)

    /// Starts telling `notifier` (once the union is mounted); nil stops.
    func use(_ notifier: KernelCacheNotifier?) {
        self.notifier.withLock { $0 = notifier }
    }

    func invalidate(_ inodes: Inode...) {
        guard let notifier = notifier.withLock({ $0 }) else { return }
        for inode in inodes { notifier.invalidateInode(inode, offset: -1) }
    }
}
