import Dicfuse
import FuseKit
import Glibc
import SystemPackage

extension LayerStack {
    /// The names a union directory shows, layer by layer from the top: whiteouts hide lower names, an
    /// opaque directory ends the merge, and a name shows once (from its topmost layer).
    func mergedNames(ofDirectory path: String, lower: LowerOrigin?) throws(Errno) -> [String] {
        var names: [String] = []
        var seen: Set<String> = []
        var lowerContinues = true
        func add(_ name: String, whiteout: Bool) {
            guard seen.insert(name).inserted, !whiteout else { return }
            names.append(name)
        }
        if let st = Posix.lstat(upperPath(path)), st.isDirectory {
            let real = upperPath(path)
            for entry in try Posix.listDirectory(real) {
                add(entry.name, whiteout: entry.type == DT_CHR && (Posix.lstat("\(real)/\(entry.name)")?.isWhiteout ?? false))
            }
            lowerContinues = !format.isOpaque(FilePath(real))
        }
        guard lowerContinues, let lower else { return names }
        var baseContinues = true
        if let directory = lower.changeListPath, let real = changeListPath(directory), Posix.lstat(real)?.isDirectory == true {
            for entry in try Posix.listDirectory(real) {
                add(entry.name, whiteout: entry.type == DT_CHR && (Posix.lstat("\(real)/\(entry.name)")?.isWhiteout ?? false))
            }
            baseContinues = !format.isOpaque(FilePath(real))
        }
        if baseContinues, let base = lower.base {
            for child in try dicfuse.children(of: base) { add(child.name.string, whiteout: false) }
        }
        return names
    }
}
