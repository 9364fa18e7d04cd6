import CSyscalls
import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// Lists directories ahead of the kernel: when one is loaded on demand, its subdirectories are queued
/// and loaded by background threads, up to `depth` levels below it, so a cold walk overlaps its waits
/// on the source with the walker's own work (upstream's `load_dir_depth`).
final class DirectoryPrefetcher: Sendable {
    private struct Work: Sendable {
        let inode: Inode
        let level: Int
    }

    let depth: Int
    private let threads: Int
    private let queue = Mutex<(items: [Work], stopped: Bool)>(([], false))
    private let available = Semaphore()
    /// Loads a directory and returns its subdirectories; nil when the prefetcher's owner is gone.
    private let load: @Sendable (Inode) -> [Inode]?

    init(depth: Int, threads: Int, load: @escaping @Sendable (Inode) -> [Inode]?) {
        self.depth = depth
        self.load = load
        self.threads = depth > 0 ? threads : 0
        for _ in 0..<self.threads {
            let failed = startDetachedThread { [weak self] in
                // Work ahead of need: it has the CPU only when nothing asked for now wants it.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(gettid()), 10)
                while let prefetcher = self, prefetcher.next() {}
            }
            if failed != nil { break }  // fewer helpers; on-demand loading does not depend on them
        }
    }

    /// Queues the subdirectories of a directory the kernel just had loaded.
    func loaded(subdirectories: [Inode]) {
        enqueue(subdirectories, level: 1)
    }

    func stop() {
        queue.withLock { state in
            state.stopped = true
            state.items.removeAll()
        }
        for _ in 0..<threads { available.signal() }
    }

    private func enqueue(_ inodes: [Inode], level: Int) {
        guard level <= depth, !inodes.isEmpty else { return }
        let accepted = queue.withLock { state -> Int in
            guard !state.stopped else { return 0 }
            state.items += inodes.map { Work(inode: $0, level: level) }
            return inodes.count
        }
        for _ in 0..<accepted { available.signal() }
    }

    /// One step of a worker: false ends the thread.
    private func next() -> Bool {
        available.wait()
        let (work, stopped) = queue.withLock { state in (state.stopped ? nil : state.items.popLast(), state.stopped) }
        guard let work else { return !stopped }
        guard let subdirectories = load(work.inode) else { return false }
        enqueue(subdirectories, level: work.level + 1)
        return true
    }
}
