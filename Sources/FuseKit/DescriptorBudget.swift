import Glibc

/// How many descriptors one cache of a FUSE server may keep open: a share of the process's limit
/// (which cannot be raised on every host), so that several caches (a base's blobs, a union's files) and
/// libfuse's own descriptors fit together, at most 4096.
public enum DescriptorBudget {
    public static var share: Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return min(4096, max(16, Int(clamping: limit.rlim_cur) / 8))
    }
}
