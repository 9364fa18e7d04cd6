import Antares
import CSyscalls
import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// A test repository's `main` as the base of a union served by the fuse driver, mounted for one test and
/// unmounted when the value goes away (also when the test fails).
final class FuseUnionMount {
    let scratch: Scratch
    let repository: TestRepository
    let dicfuse: Dicfuse
    let layers: UnionLayers
    let mountpoint: FilePath
    private(set) var union: AntaresFuse?

    init(changeList: ((FilePath) throws -> Void)? = nil) throws {
        scratch = try Scratch()
        repository = try TestRepository(in: scratch)
        dicfuse = Dicfuse(
            source: try GitTreeSource(repository: repository.path.string), store: try ContentStore(root: scratch.path.appending("store")))
        var changeListPath: FilePath?
        if let changeList {
            let path = scratch.directory("cl")
            try changeList(path)
            changeListPath = path
        }
        layers = UnionLayers(upper: scratch.path.appending("upper"), work: scratch.path.appending("work"), changeList: changeListPath)
        mountpoint = scratch.directory("mnt")
        try mount()
    }

    deinit { try? union?.unmount(lazy: true) }

    func mount() throws {
        let union = try AntaresFuse(mountpoint: mountpoint, dicfuse: dicfuse, layers: layers, driver: .fuse)
        try union.mount()
        self.union = union
    }

    func unmount() throws {
        try union?.unmount()
        union = nil
    }

    var upper: FilePath { layers.upper }

    func path(_ relative: String) -> String { mountpoint.appending(relative).string }

    /// Runs a shell command in the mounted union and returns its output; a non-zero status fails the test.
    @discardableResult
    func run(_ command: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let result = shell("cd '\(mountpoint)' && \(command)")
        #expect(result.status == 0, "\(command)", sourceLocation: sourceLocation)
        return result.output
    }

    func status(_ relative: String, in root: FilePath? = nil) -> stat? {
        var st = stat()
        return lstat((root ?? mountpoint).appending(relative).string, &st) == 0 ? st : nil
    }

    func isWhiteout(_ relative: String) -> Bool {
        status(relative, in: upper).map(OverlayFormat.isWhiteout) ?? false
    }

    /// An xattr of an upper-layer entry, as text.
    func upperXattr(_ relative: String, _ name: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { lgetxattr(upper.appending(relative).string, name, $0.baseAddress, $0.count) }
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }

    var overlayNamespace: String { OverlayFormat.detect(for: upper).namespace }
}

/// `renameat2(2)` inside the union; returns 0 or the errno.
func renameInUnion(_ union: FuseUnionMount, _ from: String, _ to: String, flags: UInt32) -> Int32 {
    renameat2(AT_FDCWD, union.path(from), AT_FDCWD, union.path(to), flags) == 0 ? 0 : errno
}
