#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// `fusermount3` is on PATH (and setuid root) when Scorpio runs without root; optional as root.
struct FusermountCheck: DoctorCheck {
    static let name = "fusermount3"
    static let fix = "install fuse3 (apt-get install fuse3)"

    func run(in context: DoctorContext) -> DoctorFinding {
        guard let path = Self.locate("fusermount3", searchPath: context.searchPath) else {
            if context.isRoot {
                return .warning(Self.name, "not on PATH; only needed without root", fix: Self.fix)
            }
            return .failed(Self.name, "not on PATH; mounting FUSE without root needs it", fix: Self.fix)
        }
        if context.isRoot {
            return .passed(Self.name, "\(path.string) (optional as root)")
        }
        guard let status = FileStatus(path: path), status.mode & S_ISUID != 0, status.ownerID == 0 else {
            return .failed(Self.name, "\(path.string) is not setuid root, so it cannot mount for this user",
                           fix: "reinstall fuse3, or `chown root \(path.string) && chmod u+s \(path.string)`")
        }
        return .passed(Self.name, "\(path.string), setuid root")
    }

    /// The first executable `name` in the colon-separated `searchPath`.
    static func locate(_ name: String, searchPath: String) -> FilePath? {
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = FilePath(String(directory)).appending(name)
            if access(candidate.string, X_OK) == 0, FileStatus(path: candidate)?.isRegularFile == true {
                return candidate
            }
        }
        return nil
    }
}
