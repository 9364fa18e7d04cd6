#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Mounts kernel overlayfs over scratch directories in a private mount namespace, writes through it,
/// and unmounts. The namespace dies with the process, so nothing can stay mounted on the host.
enum OverlayMountProbe {
    static func run(scratch: FilePath) -> HostProbeOutcome {
        do {
            try LinuxCalls.unshare(LinuxCalls.cloneNewNamespace)
        } catch {
            return .failed("unshare(CLONE_NEWNS): \(error.description)")
        }
        guard mount("none", "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0 else {
            return .failed("making / private failed: \(Errno(rawValue: errno).description)")
        }
        let lower = scratch.appending("lower"), upper = scratch.appending("upper")
        let work = scratch.appending("work"), merged = scratch.appending("merged")
        for directory in [lower, upper, work, merged] where mkdir(directory.string, 0o755) != 0 {
            return .failed("mkdir \(directory.string): \(Errno(rawValue: errno).description)")
        }
        let options = "lowerdir=\(lower.string),upperdir=\(upper.string),workdir=\(work.string)"
        guard mount("overlay", merged.string, "overlay", 0, options) == 0 else {
            return .failed("mount -t overlay: \(Errno(rawValue: errno).description)")
        }
        let written = merged.appending("written-through-overlay")
        let descriptor = open(written.string, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
        if descriptor >= 0 { close(descriptor) }
        let landedInUpper = FileStatus(path: upper.appending("written-through-overlay")) != nil
        guard umount2(merged.string, 0) == 0 else {
            return .failed("umount \(merged.string): \(Errno(rawValue: errno).description)")
        }
        guard descriptor >= 0, landedInUpper else {
            return .failed("overlay mounted, but a file written through it did not reach the upper directory")
        }
        return .passed("an overlay mounted, took a write into its upper directory, and unmounted")
    }
}
