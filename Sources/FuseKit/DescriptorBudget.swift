import Glibc
import Synchronization

/// How many descriptors the caches of FUSE servers may keep open together, split among the caches
/// alive at the moment, so that one process serving many mounts (the daemon) stays within its limit
/// (which cannot be raised past its hard limit, 20,000 on some hosts) together with libfuse's own
/// descriptors and whatever else it has open.
public final class DescriptorBudget: Sendable {
    /// The budget of this process's caches: half its limit on open files when first used, at most 8192.
    public static let process = DescriptorBudget(total: processTotal)

    public let total: Int
    private let liveCaches = Atomic<Int>(0)

    public init(total: Int) { self.total = max(8, total) }

    /// What one cache may hold now: the total divided among the caches alive.
    public var share: Int { max(8, total / max(1, liveCaches.load(ordering: .relaxed))) }

    /// Counts a cache in for as long as the returned token lives.
    public func join() -> Membership { Membership(self) }

    public final class Membership: Sendable {
        private let budget: DescriptorBudget
        fileprivate init(_ budget: DescriptorBudget) {
            self.budget = budget
            budget.liveCaches.add(1, ordering: .relaxed)
        }
        deinit { budget.liveCaches.subtract(1, ordering: .relaxed) }
    }

    private static var processTotal: Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 512 }
        return min(8192, max(32, Int(clamping: limit.rlim_cur) / 2))
    }

    private static let softLimitBeforeRaise = Atomic<UInt64>(0)

    /// Raises this process's soft limit on open files to its hard limit (a server needs the room; a
    /// host's hard limit is the real bound). Call it before any cache exists.
    public static func raiseSoftLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        softLimitBeforeRaise.store(UInt64(limit.rlim_cur), ordering: .relaxed)
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// The soft limit this process started with, if `raiseSoftLimit()` raised it: what the commands
    /// it starts get back.
    public static var callerSoftLimit: UInt64? {
        let limit = softLimitBeforeRaise.load(ordering: .relaxed)
        return limit == 0 ? nil : limit
    }
}
