import SystemPackage

/// Kernel overlayfs is available: listed in /proc/filesystems and, as root, really mountable.
/// Required only when `union_driver = "kernel"`.
struct OverlayFilesystemCheck: DoctorCheck {
    static let name = "kernel overlayfs"

    func run(in context: DoctorContext) -> DoctorFinding {
        let required = context.config.unionDriver == .kernel
        let optionalReason = "needed only for union_driver = \"kernel\""
        guard Self.kernelListsOverlay() else {
            return DoctorFinding.failed(Self.name, "overlay is not in /proc/filesystems",
                                        fix: "load the module with `modprobe overlay`, or use union_driver = \"fuse\"")
                .warningUnless(required: required, because: optionalReason)
        }
        guard context.isRoot else {
            return .passed(Self.name, "listed in /proc/filesystems (the mount test needs root)")
        }
        guard let launcher = context.probeLauncher else {
            return .warning(Self.name, "listed in /proc/filesystems; mount not tried (no scorpio executable to probe with)")
        }
        let outcome = Self.tryMount(with: launcher)
        guard outcome.succeeded else {
            return DoctorFinding.failed(Self.name, "listed, but \(outcome.detail)",
                                        fix: "check `dmesg` for overlayfs errors, or use union_driver = \"fuse\"")
                .warningUnless(required: required, because: optionalReason)
        }
        return .passed(Self.name, outcome.detail)
    }

    static func kernelListsOverlay() -> Bool {
        guard let bytes = try? FilePath("/proc/filesystems").readContents() else { return false }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").contains { line in
            line.split(whereSeparator: \.isWhitespace).last == "overlay"
        }
    }

    private static func tryMount(with launcher: HostProbeLauncher) -> HostProbeOutcome {
        let scratch: FilePath
        do {
            scratch = try ScratchDirectory.create(in: "/tmp")
        } catch {
            return .failed("cannot create a scratch directory in /tmp: \(error.description)")
        }
        defer { ScratchDirectory.remove(scratch) }
        return launcher.run(.overlayMount, argument: scratch.string)
    }
}
