import Antares
import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// The drivers the shared union suite runs against.
enum TestedDrivers {
    static let all: [UnionDriverKind] = [.kernel, .fuse]
}

/// A union over a test repository's `main` (served by this process at `base`), with an optional
/// change-list layer, mounted for one test.
final class UnionFixture {
    let scratch: Scratch
    let repository: TestRepository
    let dicfuse: Dicfuse
    let base: InProcessBase
    let changeList: FilePath?
    let layers: UnionLayers
    let mountpoint: FilePath
    let driver: UnionDriverKind
    let options: UnionMountOptions
    private(set) var union: AntaresFuse?

    init(driver: UnionDriverKind, options: UnionMountOptions = UnionMountOptions(), changeList: ((FilePath) throws -> Void)? = nil) throws {
        scratch = try Scratch()
        repository = try TestRepository(in: scratch)
        dicfuse = Dicfuse(source: try GitTreeSource(repository: repository.path.string), store: try ContentStore(root: scratch.path.appending("store")))
        var clPath: FilePath?
        if let changeList {
            clPath = scratch.directory("cl")
            try changeList(clPath!)
        }
        self.changeList = clPath
        base = try InProcessBase(dicfuse, at: scratch.path.appending("base"))
        layers = UnionLayers(upper: scratch.path.appending("upper"), work: scratch.path.appending("work"), lowers: [clPath].compactMap { $0 } + [base.mountpoint],
            baseDictionary: base.dictionary)
        mountpoint = scratch.directory("mnt")
        self.driver = driver
        self.options = options
        try mount()
    }

    /// The base goes before the scratch directory holding its mountpoint is removed.
    deinit {
        try? union?.unmount(lazy: true)
        try? base.unmount(lazy: true)
    }

    func mount() throws {
        let union = try AntaresFuse(mountpoint: mountpoint, layers: layers, driver: driver, options: options)
        try union.mount()
        self.union = union
    }

    func unmount() throws {
        try union?.unmount()
        union = nil
    }

    var upper: FilePath { layers.upper }

    func path(_ relative: String) -> String { mountpoint.appending(relative).string }

    /// Runs a shell command in the mounted union; returns its output (the test fails on a non-zero status).
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
}
