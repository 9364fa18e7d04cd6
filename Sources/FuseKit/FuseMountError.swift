import SystemPackage

/// Why mounting or unmounting a FUSE filesystem failed; each case names the path it concerns.
public enum FuseMountError: Error, Equatable, CustomStringConvertible {
    case mountpointMissing(FilePath)
    case notADirectory(FilePath)
    /// The path is a FUSE mount whose server is gone ("Transport endpoint is not connected").
    case deadMount(FilePath)
    case deviceUnavailable(path: String, Errno)
    case sessionCreationFailed(options: [String])
    case mountFailed(FilePath, Errno)
    /// The filesystem never answered the kernel's INIT request.
    case initializationFailed(FilePath)
    case busy(FilePath)
    case notMounted(FilePath)
    case unmountFailed(FilePath, reason: String)

    public var description: String {
        switch self {
        case .mountpointMissing(let path): "mountpoint \(path) does not exist"
        case .notADirectory(let path): "mountpoint \(path) is not a directory"
        case .deadMount(let path):
            "\(path) is a FUSE mount whose server has gone (transport endpoint is not connected); detach it with `umount -l \(path)`"
        case .deviceUnavailable(let path, let errno): "cannot open the FUSE device \(path): \(errno)"
        case .sessionCreationFailed(let options): "libfuse rejected the session options \(options.joined(separator: " "))"
        case .mountFailed(let path, let errno): "mounting FUSE at \(path) failed: \(errno)"
        case .initializationFailed(let path): "the filesystem at \(path) ended before the kernel's INIT was answered"
        case .busy(let path): "\(path) is busy (a process has a file or its working directory there)"
        case .notMounted(let path): "\(path) is not mounted"
        case .unmountFailed(let path, let reason): "unmounting \(path) failed: \(reason)"
        }
    }
}
