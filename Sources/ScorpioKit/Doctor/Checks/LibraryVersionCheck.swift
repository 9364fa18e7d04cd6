import CArchive
import CFuse
import CGit2
import CSeccomp

/// A C library Scorpio links is loaded at a version new enough.
struct LibraryVersionCheck: DoctorCheck {
    enum Library: String, CaseIterable, Sendable {
        case libfuse, libgit2, libseccomp, libarchive

        /// The oldest version with what Scorpio uses: libfuse's versioned multithreaded loop (3.12),
        /// libgit2 1.1, libseccomp 2.5, libarchive's zstd writer (3.3.3).
        var minimum: [Int] {
            switch self {
            case .libfuse: return [3, 12, 0]
            case .libgit2: return [1, 1, 0]
            case .libseccomp: return [2, 5, 0]
            case .libarchive: return [3, 3, 3]
            }
        }

        /// The version of the library actually loaded.
        var loadedVersion: [Int] {
            switch self {
            case .libfuse:
                return String(cString: fuse_pkgversion()).split(separator: ".").map { Int($0) ?? 0 }
            case .libgit2:
                var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
                _ = git_libgit2_version(&major, &minor, &revision)
                return [Int(major), Int(minor), Int(revision)]
            case .libseccomp:
                let version = seccomp_version().pointee
                return [Int(version.major), Int(version.minor), Int(version.micro)]
            case .libarchive:
                let number = Int(archive_version_number())
                return [number / 1_000_000, number / 1000 % 1000, number % 1000]
            }
        }
    }

    let library: Library

    init(_ library: Library) {
        self.library = library
    }

    func run(in context: DoctorContext) -> DoctorFinding {
        let loaded = library.loadedVersion
        let minimum = library.minimum
        let loadedText = loaded.map(String.init).joined(separator: ".")
        let minimumText = minimum.map(String.init).joined(separator: ".")
        guard loaded.lexicographicallyPrecedes(minimum) == false else {
            return .failed(library.rawValue, "\(loadedText) is older than the \(minimumText) Scorpio needs",
                           fix: "install \(library.rawValue) \(minimumText) or newer")
        }
        return .passed(library.rawValue, "\(loadedText) (needs ≥ \(minimumText))")
    }
}
