import Synchronization

/// One shared ``Dicfuse`` instance per source revision (`TreeSource.identity`), for as long as someone
/// holds a lease on it: every job mounted over the same base shares one dictionary and one store.
public final class DicfuseManager: Sendable {
    public let store: ContentStore
    public let options: DicfuseOptions
    private let instances = Mutex<[String: (dicfuse: Dicfuse, leases: Int)]>([:])

    public init(store: ContentStore, options: DicfuseOptions = DicfuseOptions()) {
        self.store = store
        self.options = options
    }

    /// A lease on the instance serving `source`'s identity, made from `source` if none exists.
    public func acquire(_ source: any TreeSource) -> DicfuseLease {
        let dicfuse = instances.withLock { table in
            if let existing = table[source.identity] {
                table[source.identity] = (existing.dicfuse, existing.leases + 1)
                return existing.dicfuse
            }
            let created = Dicfuse(source: source, store: store, options: options)
            table[source.identity] = (created, 1)
            return created
        }
        return DicfuseLease(dicfuse: dicfuse, manager: self)
    }

    /// Identities with live instances and their lease counts.
    public var instancesInUse: [String: Int] { instances.withLock { $0.mapValues(\.leases) } }

    fileprivate func release(_ identity: String) {
        instances.withLock { table in
            guard let entry = table[identity] else { return }
            table[identity] = entry.leases > 1 ? (entry.dicfuse, entry.leases - 1) : nil
        }
    }
}

/// Keeps a shared ``Dicfuse`` instance alive; the manager drops the instance when its last lease goes.
public final class DicfuseLease: Sendable {
    public let dicfuse: Dicfuse
    private let manager: DicfuseManager

    fileprivate init(dicfuse: Dicfuse, manager: DicfuseManager) {
        self.dicfuse = dicfuse
        self.manager = manager
    }

    deinit { manager.release(dicfuse.source.identity) }
}
