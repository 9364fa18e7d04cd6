import FuseKit
import Synchronization

/// Open blob descriptors by inode, bounded (the host allows 20,000 open files and a tree can have far
/// more entries), sharded so concurrent reads of different files do not queue on one lock.
final class OpenBlobCache: Sendable {
    private final class Shard: Sendable {
        let entries = Mutex<(handles: [Int: BlobHandle], order: [Int])>(([:], []))
    }

    private let shards: [Shard]
    /// Counted in the process's budget only when it draws on it.
    private let membership: DescriptorBudget.Membership?
    /// A fixed limit, or nil for this cache's share of the process's budget (``DescriptorBudget/process``).
    private let fixedLimit: Int?

    init(limit: Int?, shardCount: Int = 16) {
        shards = (0..<shardCount).map { _ in Shard() }
        fixedLimit = limit
        membership = limit == nil ? DescriptorBudget.process.join() : nil
    }

    private var perShardLimit: Int { max(1, (fixedLimit ?? DescriptorBudget.process.share) / shards.count) }

    func handle(for key: Int, open: () throws(SourceError) -> BlobHandle) throws(SourceError) -> BlobHandle {
        let shard = shards[key % shards.count]
        if let cached = shard.entries.withLock({ $0.handles[key] }) { return cached }
        let opened = try open()
        let perShardLimit = self.perShardLimit
        var evicted: [BlobHandle] = []
        let handle = shard.entries.withLock { entries in
            if let raced = entries.handles[key] { return raced }
            if entries.order.count >= perShardLimit {
                let dropped = entries.order.count - perShardLimit + 1
                for victim in entries.order[..<dropped] {
                    if let handle = entries.handles.removeValue(forKey: victim) { evicted.append(handle) }
                }
                entries.order.removeFirst(dropped)
            }
            entries.handles[key] = opened
            entries.order.append(key)
            return opened
        }
        evicted.removeAll()  // closed here, outside the shard's lock, once no reader holds them
        return handle
    }

    var count: Int { shards.reduce(0) { $0 + $1.entries.withLock { $0.handles.count } } }
}
