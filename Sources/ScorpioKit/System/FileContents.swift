import SystemPackage

extension FilePath {
    /// Whether something exists at this path (following symlinks).
    var exists: Bool {
        FileStatus(path: self) != nil
    }
}
