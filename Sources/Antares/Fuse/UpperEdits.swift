import CSyscalls
import Glibc
import Synchronization
import SystemPackage

/// Changes to the upper layer made so that no half-done state is ever visible there: new objects are
/// prepared in the private work directory and renamed into place.
final class UpperEdits: Sendable {
    static let renameNoReplace: UInt32 = 1
    static let renameExchange: UInt32 = 2
    static let renameWhiteout: UInt32 = 4

    let work: String
    private let counter = Atomic<UInt64>(0)

    init(work: String) { self.work = work }

    /// A fresh name in the work directory.
    func scratchPath() -> String {
        "\(work)/#\(counter.add(1, ordering: .relaxed).newValue)"
    }

    /// Moves a prepared object from the work directory to `target`, replacing a whiteout there if any
    /// (a directory cannot be renamed over a non-directory, so it is exchanged with it instead).
    func install(_ prepared: String, at target: String) throws(Errno) {
        guard let existing = Posix.lstat(target) else {
            try Posix.rename(prepared, target, flags: Self.renameNoReplace)
            return
        }
        guard existing.isWhiteout else { throw .fileExists }
        if Posix.lstat(prepared)?.isDirectory == true {
            try Posix.rename(prepared, target, flags: Self.renameExchange)
            Glibc.unlink(prepared)
        } else {
            try Posix.rename(prepared, target)
        }
    }

    /// Puts a whiteout at `target`, atomically replacing whatever the upper layer has there (a
    /// directory there is swapped out and removed with its contents).
    func placeWhiteout(at target: String) throws(Errno) {
        guard let existing = Posix.lstat(target) else {
            try OverlayFormat.makeWhiteout(at: FilePath(target))
            return
        }
        if existing.isWhiteout { return }
        let whiteout = scratchPath()
        try OverlayFormat.makeWhiteout(at: FilePath(whiteout))
        if existing.isDirectory {
            try Posix.rename(whiteout, target, flags: Self.renameExchange)
            Posix.removeTree(whiteout)
        } else {
            try Posix.rename(whiteout, target)
        }
    }

    /// Removes an upper directory the union shows as empty (it may still hold whiteouts).
    func removeDirectory(_ target: String) throws(Errno) {
        let removed = scratchPath()
        try Posix.rename(target, removed)
        Posix.removeTree(removed)
    }

    /// Creates an upper object at `target` through `make` (called with the path to create), directly
    /// when nothing is there, or prepared in the work directory when a whiteout must be replaced.
    func create(at target: String, _ make: (String) throws(Errno) -> Void) throws(Errno) {
        guard let existing = Posix.lstat(target) else {
            try make(target)
            return
        }
        guard existing.isWhiteout else { throw .fileExists }
        let prepared = scratchPath()
        try make(prepared)
        do { try install(prepared, at: target) } catch {
            Posix.removeTree(prepared)
            throw error
        }
    }
}
