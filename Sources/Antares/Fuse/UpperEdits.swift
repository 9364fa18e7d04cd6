import CSyscalls
import FuseKit
import Glibc
import Synchronization
import SystemPackage

/// Changes to the upper layer made so that no half-done state is ever visible there: new objects are
/// prepared in the private work directory and renamed into place. The work directory also keeps files
/// unlinked while still open (orphans) until the kernel forgets them.
final class UpperEdits: Sendable {
    static let renameNoReplace: UInt32 = 1
    static let renameExchange: UInt32 = 2

    let upper: LayerDirectory
    let work: LayerDirectory
    private let counter = Atomic<UInt64>(0)

    init(upper: LayerDirectory, work: LayerDirectory) {
        self.upper = upper
        self.work = work
    }

    /// A fresh name in the work directory.
    func scratchName() -> String {
        "#\(counter.add(1, ordering: .relaxed).newValue)"
    }

    /// Where a file unlinked while open lives until it is forgotten.
    func orphanName(_ inode: Inode) -> String { "orphan-\(inode.rawValue)" }

    /// Empties the work directory (leftovers of interrupted copy-ups and orphans are never part of the union).
    func clear() {
        for entry in (try? work.list("")) ?? [] { work.removeTree(entry.name) }
    }

    /// Moves a prepared object from the work directory to `target` in the upper layer, replacing a
    /// whiteout there if any (a directory cannot be renamed over a non-directory, so it is exchanged
    /// with it instead).
    func install(_ prepared: String, at target: String) throws(Errno) {
        guard let existing = upper.status(target) else {
            try work.rename(prepared, to: target, in: upper, flags: Self.renameNoReplace)
            return
        }
        guard existing.isWhiteout else { throw .fileExists }
        if work.status(prepared)?.isDirectory == true {
            try work.rename(prepared, to: target, in: upper, flags: Self.renameExchange)
            try? work.unlink(prepared)
        } else {
            try work.rename(prepared, to: target, in: upper)
        }
    }

    /// Puts a whiteout at `target`, atomically replacing whatever the upper layer has there (a
    /// directory there is swapped out and removed with its contents).
    func placeWhiteout(at target: String) throws(Errno) {
        guard let existing = upper.status(target) else {
            try upper.makeWhiteout(target)
            return
        }
        if existing.isWhiteout { return }
        let whiteout = scratchName()
        try work.makeWhiteout(whiteout)
        if existing.isDirectory {
            try work.rename(whiteout, to: target, in: upper, flags: Self.renameExchange)
            work.removeTree(whiteout)
        } else {
            try work.rename(whiteout, to: target, in: upper)
        }
    }

    /// Removes an upper directory the union shows as empty (it may still hold whiteouts).
    func removeDirectory(_ target: String) throws(Errno) {
        let removed = scratchName()
        try upper.rename(target, to: removed, in: work)
        work.removeTree(removed)
    }

    /// Moves the upper file or directory at `target` out of the union into the work directory, as the
    /// orphan of `inode`.
    func orphan(_ target: String, as inode: Inode) throws(Errno) {
        try upper.rename(target, to: orphanName(inode), in: work)
    }

    /// Keeps a second link to the upper file at `target` as the orphan of `inode` (before a rename
    /// replaces its last name).
    func keepOrphan(of target: String, as inode: Inode) throws(Errno) {
        try upper.link(target, as: orphanName(inode), in: work)
    }

    /// Creates an upper object at `target` through `make` (called with the directory and path to create),
    /// in place when nothing is there, or prepared in the work directory when a whiteout must be replaced.
    func create(at target: String, _ make: (LayerDirectory, String) throws(Errno) -> Void) throws(Errno) {
        guard let existing = upper.status(target) else {
            try make(upper, target)
            return
        }
        guard existing.isWhiteout else { throw .fileExists }
        let prepared = scratchName()
        try make(work, prepared)
        do { try install(prepared, at: target) } catch {
            work.removeTree(prepared)
            throw error
        }
    }
}
