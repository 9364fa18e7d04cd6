/// Whether repeating `work` soon stops changing `observed`: true when some repetition of up to
/// `tries` leaves it as the one before left it. For caches the kernel may shrink at any time (a clean
/// page or dentry reclaimed under memory pressure), one repetition may still ask again; a cache that
/// holds nothing makes every repetition ask.
public func repeatingSettles<Observed: Equatable>(
    _ work: () -> Void, observed: () -> Observed, tries: Int = 4
) -> (settled: Bool, last: Observed) {
    var before = observed()
    for _ in 0..<tries {
        work()
        let after = observed()
        if after == before { return (true, after) }
        before = after
    }
    return (false, before)
}
