import Glibc
import SystemPackage

/// A read-only lower layer this process can read without system calls on its directory (a base whose
/// dictionary it holds): what ``LayerDirectory`` asks it first. A `nil` answer sends the call to the
/// layer's directory, which shows the same tree.
protocol LayerTree: Sendable {
    /// The entry's status without following a symlink; nil when there is none.
    func status(_ path: String) -> stat?
    func readlink(_ path: String) throws(Errno) -> String
    /// A read-only descriptor of a regular file's bytes, or nil for any other kind of entry.
    func openForReading(_ path: String) throws(Errno) -> SharedDescriptor?
    /// Names in a directory (without `.` and `..`) with their `d_type`.
    func list(_ path: String) throws(Errno) -> [(name: String, type: UInt8)]
    func xattr(_ path: String, _ name: String) throws(Errno) -> [UInt8]
    func xattrNames(_ path: String) throws(Errno) -> [String]
    /// An equal string for a directory's `path` that the tree keeps anyway, if it has one.
    func keptPath(_ path: String) -> String?
}

/// A read-only descriptor that `owner` keeps open and closes once released: read it by offset only
/// (pread, splice), as its other users do.
struct SharedDescriptor: Sendable {
    let descriptor: Int32
    let owner: any Sendable & AnyObject
}
