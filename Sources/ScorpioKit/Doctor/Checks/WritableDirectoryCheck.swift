#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// A directory Scorpio writes to exists and takes new entries, or can be created.
/// Tried for real (a scratch directory made and removed), so read-only filesystems show up too.
struct WritableDirectoryCheck: DoctorCheck {
    let name: String
    /// The config key that names the directory, for the fix.
    let keyName: String
    let directory: FilePath

    func run(in context: DoctorContext) -> DoctorFinding {
        let existing = ScratchDirectory.nearestExisting(directory)
        let exists = existing == directory
        guard let status = FileStatus(path: existing), status.isDirectory else {
            let kind = FileStatus(path: existing)?.kindDescription ?? "unreachable"
            return .failed(name, "\(existing.string) is \(kind), not a directory",
                           fix: "remove \(existing.string) or point \(keyName) elsewhere")
        }
        do {
            ScratchDirectory.remove(try ScratchDirectory.create(in: existing))
        } catch {
            let what = exists ? "\(directory.string) is not writable" : "\(directory.string) cannot be created: \(existing.string) is not writable"
            return .failed(name, "\(what) (\(error.description))",
                           fix: "make \(existing.string) writable for this user, or point \(keyName) at a writable directory")
        }
        if exists {
            return .passed(name, "\(directory.string) is writable")
        }
        return .passed(name, "\(directory.string) does not exist yet and can be created (\(existing.string) is writable)")
    }
}
