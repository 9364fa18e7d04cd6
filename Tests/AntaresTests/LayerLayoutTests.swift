import Antares
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// Where a union's layers may lie, judged by kernel overlayfs: each driver takes a layout exactly when
/// `mount -t overlay` takes it, and refuses it in overlayfs's words, naming the layer.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct LayerLayoutTests {
    /// Lowers (topmost first), upper and work, relative to the scratch directory; overlayfs's refusal.
    static let layouts: [(name: String, lowers: [String], upper: String, work: String, refusal: String?)] = [
        ("apart", ["l1", "l2"], "u", "w", nil),
        ("upper inside a lower", ["l1"], "l1/l2", "w", nil),
        ("work inside a lower", ["l1"], "u", "l1/l2", nil),
        ("work is the upper", ["l1"], "u", "u", "workdir and upperdir must be separate subtrees"),
        ("work inside the upper", ["l1"], "u", "u/w", "workdir and upperdir must be separate subtrees"),
        ("upper inside the work", ["l1"], "w/u", "w", "workdir and upperdir must be separate subtrees"),
        ("work on another mount", ["l1"], "u", "tmpfs/w", "workdir and upperdir must reside under the same mount"),
        ("a lower is the upper", ["u"], "u", "w", "conflicting lowerdir path"),
        ("a lower is the upper through a symlink", ["u-link"], "u", "w", "conflicting lowerdir path"),
        ("a lower is the work", ["w"], "u", "w", "conflicting lowerdir path"),
        ("a lower twice", ["l1", "l1"], "u", "w", "conflicting lowerdir path"),
        ("a lower inside the upper", ["u/l"], "u", "w", "overlapping lowerdir path"),
        ("a lower inside the work", ["w/l"], "u", "w", "overlapping lowerdir path"),
        ("a lower inside another", ["l1", "l1/l2"], "u", "w", "overlapping lowerdir path"),
        ("a lower holding another", ["l1/l2", "l1"], "u", "w", "overlapping lowerdir path"),
    ]

    @Test(arguments: [UnionDriverKind.fuse, .kernel])
    func eachDriverTakesTheLayoutsKernelOverlayfsTakes(driver: UnionDriverKind) throws {
        try withTemporaryDirectory { scratch in
            let s = scratch.string
            try #require(shell("""
                cd '\(s)' && mkdir -p l1/l2 l2 u/w u/l w/u w/l tmpfs mnt merged && ln -s u u-link \
                && mount -t tmpfs tmpfs tmpfs && mkdir tmpfs/w
                """).status == 0)
            defer { _ = shell("umount '\(s)/tmpfs'") }
            for layout in Self.layouts {
                let lowers = layout.lowers.map { "\(s)/\($0)" }
                let overlayfs = shell("""
                    mount -t overlay overlay -o 'lowerdir=\(lowers.joined(separator: ":")),upperdir=\(s)/\(layout.upper),workdir=\(s)/\(layout.work)' '\(s)/merged' \
                    && umount '\(s)/merged'
                    """)
                #expect((overlayfs.status == 0) == (layout.refusal == nil), "overlayfs on \(layout.name): \(overlayfs.output)")

                let layers = UnionLayers(upper: scratch.appending(layout.upper), work: scratch.appending(layout.work), lowers: lowers.map { FilePath($0) })
                do {
                    let union = try AntaresFuse(mountpoint: scratch.appending("mnt"), layers: layers, driver: driver)
                    try union.mount()
                    try union.unmount()
                    #expect(layout.refusal == nil, "\(driver) took \(layout.name)")
                } catch let error as AntaresError {
                    guard let refusal = layout.refusal else {
                        Issue.record("\(driver) refused \(layout.name): \(error)")
                        continue
                    }
                    guard case .layer(let named, let reason) = error else {
                        Issue.record("\(driver) refused \(layout.name) with \(error)")
                        continue
                    }
                    #expect(reason == refusal, "\(layout.name)")
                    let layerPaths = [layout.upper, layout.work] + layout.lowers
                    #expect(layerPaths.map { scratch.appending($0) }.contains(named), "\(layout.name): names \(named)")
                }
                #expect(mountpoints(under: scratch) == ["\(s)/tmpfs"], "\(layout.name)")
            }
        }
    }
}
