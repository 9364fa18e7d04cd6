import Glibc
import SystemPackage

/// A read-only base mounted as a directory, held for a job for as long as the lease object lives:
/// what every union of the job stacks its layers on. Dropping the lease lets the base go (at once, or
/// after a while when it is shared by the host; see ScorpioKit's `SharedBases`).
public protocol BaseLease: AnyObject, Sendable {
    /// Where the base is mounted.
    var mountpoint: FilePath { get }
    /// What the base is (`git /repo@8f3c2e1:sub`), for records and messages.
    var identity: String { get }
    /// The base's dictionary, when this process holds one that shows what the mount shows.
    var dictionary: BaseDictionary? { get }
    /// The lease is held from now on by process `pid`, forked from this one after the mount (this one
    /// goes): for what the lease tells of its holder.
    func handedOver(to pid: pid_t)
}

extension BaseLease {
    public var dictionary: BaseDictionary? { nil }

    public func handedOver(to pid: pid_t) {}
}
