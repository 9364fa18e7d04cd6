import SystemPackage

/// Why a layer or its manifest could not be written; every case names the path involved.
public enum ArtifactError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The destination could not be created or written.
    case cannotWrite(FilePath, Errno)
    /// A change's source on disk could not be read.
    case cannotRead(FilePath, Errno)
    /// A change's path is empty or leaves the layer (`..`).
    case invalidPath(String)
    /// libarchive refused an entry or the stream; `message` is its own.
    case archive(path: String, message: String)
    /// The manifest could not be encoded or decoded.
    case manifest(FilePath, String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let errno): "cannot write \(path): \(errno)"
        case .cannotRead(let path, let errno): "cannot read \(path): \(errno)"
        case .invalidPath(let path): "invalid path in layer: '\(path)'"
        case .archive(let path, let message): "cannot archive \(path): \(message)"
        case .manifest(let path, let message): "manifest \(path): \(message)"
        }
    }
}
