#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The upper root's filesystem can hold the overlayfs upper format: opaque-directory xattrs
/// (`trusted.overlay.*`, else `user.overlay.*`) and whiteouts (character device 0/0).
struct UpperLayerFeaturesCheck: DoctorCheck {
    static let name = "upper layer format"

    func run(in context: DoctorContext) -> DoctorFinding {
        let upperRoot = context.config.antares.upperRoot
        let location = ScratchDirectory.nearestExisting(upperRoot)
        let scratch: FilePath
        do {
            scratch = try ScratchDirectory.create(in: location)
        } catch {
            return .failed(Self.name, "cannot try xattrs and whiteouts: \(location.string) is not writable (\(error.description))",
                           fix: "make antares_upper_root writable")
        }
        defer { ScratchDirectory.remove(scratch) }

        let trustedError = Self.tryXattr("trusted.overlay.opaque", on: scratch)
        let userError = trustedError == nil ? nil : Self.tryXattr("user.overlay.opaque", on: scratch)
        let whiteout = scratch.appending("whiteout")
        let whiteoutError: Errno? = mknod(whiteout.string, S_IFCHR | 0o600, 0) == 0 ? nil : Errno(rawValue: errno)

        if let whiteoutError {
            return .failed(Self.name, "\(location.string) does not allow whiteouts (mknod 0/0: \(whiteoutError.description))",
                           fix: "run as root, or put antares_upper_root on a filesystem that allows it (ext4, xfs, btrfs, tmpfs)")
        }
        switch (trustedError, userError) {
        case (nil, _):
            return .passed(Self.name, "\(location.string) takes trusted.* xattrs and 0/0 whiteouts")
        case (let trusted?, nil):
            return .warning(Self.name, "\(location.string) refuses trusted.* xattrs (\(trusted.description)); user.overlay.* will be used",
                            fix: "fine for the fuse driver; run as root for kernel overlayfs compatibility")
        case (let trusted?, let user?):
            return .failed(Self.name, "\(location.string) takes neither trusted.* (\(trusted.description)) "
                               + "nor user.* xattrs (\(user.description)), so opaque directories cannot be recorded",
                           fix: "put antares_upper_root on a filesystem with xattrs (ext4, xfs, btrfs, tmpfs)")
        }
    }

    private static func tryXattr(_ name: String, on path: FilePath) -> Errno? {
        do {
            try LinuxCalls.setExtendedAttribute(name, to: "y", at: path)
            return nil
        } catch {
            return error
        }
    }
}
