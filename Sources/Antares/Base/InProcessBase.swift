import Dicfuse
import FuseKit
import SystemPackage

/// A base served by this process: a Dicfuse instance mounted read-only at a directory until the lease
/// is dropped (for library users and tests that want no host-wide service).
public final class InProcessBase: BaseLease {
    public let dicfuse: Dicfuse
    public let owner: FileOwner?
    private let mount: FuseMount

    public var mountpoint: FilePath { mount.mountpoint }
    public var identity: String { dicfuse.source.identity }
    public let dictionary: BaseDictionary?
    /// The requests the base's mount has answered: what readers that go through it asked.
    public var requests: RequestCounters { mount.requests }

    /// Mounts `dicfuse` at `mountpoint` (created if missing), each entry shown as `owner`'s if given.
    public init(_ dicfuse: Dicfuse, at mountpoint: FilePath, owner: FileOwner? = nil) throws(AntaresError) {
        self.dicfuse = dicfuse
        self.owner = owner
        dictionary = BaseDictionary(dicfuse, owner: owner)
        do { try makeDirectory(mountpoint) } catch { throw .layer(mountpoint, reason: "cannot create the base's mountpoint: \(error)") }
        do { mount = try dicfuse.mount(at: mountpoint, owner: owner) } catch { throw .baseMount("\(error)") }
    }

    /// Unmounts the base now (detached if still busy and `lazy`); releasing it later does nothing more.
    public func unmount(lazy: Bool = false) throws(FuseMountError) { try mount.unmount(lazy: lazy) }

    deinit { try? mount.unmount(lazy: true) }
}
