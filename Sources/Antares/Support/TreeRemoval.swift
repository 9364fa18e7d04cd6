import Glibc

extension Posix {
    /// Removes `path` and, if it is a directory (not a link to one), everything in it; best effort.
    ///
    /// A job's upper can hold the tens of thousands of files its build wrote, and `scorpio run` returns
    /// only once they are gone: each directory is emptied through its own descriptor (`unlinkat` by
    /// name, the listing's types), with no path walk and no `lstat` per entry.
    static func removeTree(_ path: String) {
        removeTree(named: path, in: AT_FDCWD)
    }

    /// ``removeTree(_:)`` of `name` relative to the directory open at `parent`.
    static func removeTree(named name: String, in parent: Int32) {
        guard let descriptor = openDirectory(name, in: parent) else {
            unlinkat(parent, name, 0)
            return
        }
        removeContents(of: descriptor)
        unlinkat(parent, name, AT_REMOVEDIR)
    }

    /// Empties the directory open at `descriptor`, and closes it.
    private static func removeContents(of descriptor: Int32) {
        guard let stream = fdopendir(descriptor) else {
            Glibc.close(descriptor)
            return
        }
        for entry in entries(of: stream, keepingOpen: true) {
            if isDirectory(entry, in: descriptor) {
                if let child = openDirectory(entry.name, in: descriptor) { removeContents(of: child) }
                unlinkat(descriptor, entry.name, AT_REMOVEDIR)
            } else {
                unlinkat(descriptor, entry.name, 0)
            }
        }
        closedir(stream)
    }
}
