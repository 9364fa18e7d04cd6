import CSyscalls
import Glibc
import SystemPackage

/// Writes the cases' layer entries into `root/upper`, `root/middle` and `root/lowest` (as root: owners,
/// whiteouts and trusted.overlay.* xattrs need it). Entries are made with *at calls from a descriptor of
/// their parent, so paths longer than PATH_MAX can be built.
struct LayerBuilder {
    let root: FilePath

    func directory(_ layer: Layer) -> FilePath { root.appending(layer.rawValue) }

    func build(_ cases: [(directory: String, case: ConformanceCase)]) throws {
        try make(root)
        for layer in Layer.allCases { try make(directory(layer)) }
        for (caseDirectory, conformanceCase) in cases {
            let defaults = conformanceCase.owner
            var layersUsed: Set<Layer> = [.lowest]
            for entry in conformanceCase.entries { layersUsed.insert(entry.layer) }
            for layer in layersUsed {
                let layerFD = try openDirectory(directory(layer).string, relativeTo: AT_FDCWD)
                defer { Glibc.close(layerFD) }
                try makeDirectory(caseDirectory, in: layerFD, mode: conformanceCase.directoryMode, owner: defaults)
                let caseFD = try openDirectory(caseDirectory, relativeTo: layerFD)
                defer { Glibc.close(caseFD) }
                for entry in conformanceCase.entries where entry.layer == layer {
                    try place(entry, in: caseFD, defaults: defaults)
                }
            }
        }
    }

    private func place(_ entry: LayerEntry, in caseFD: Int32, defaults: Identity) throws {
        let components = entry.path.split(separator: "/").map(String.init)
        var parentFD = try openDirectory(".", relativeTo: caseFD)
        defer { Glibc.close(parentFD) }
        for component in components.dropLast() {
            if !exists(component, in: parentFD) { try makeDirectory(component, in: parentFD, mode: 0o755, owner: defaults) }
            let next = try openDirectory(component, relativeTo: parentFD)
            Glibc.close(parentFD)
            parentFD = next
        }
        let name = components.last!
        let owner = entry.owner ?? defaults
        switch entry.kind {
        case .file(let content):
            let fd = openat(parentFD, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw failure("create \(entry.path)") }
            defer { Glibc.close(fd) }
            guard content.utf8.isEmpty || Glibc.write(fd, content, content.utf8.count) == content.utf8.count else { throw failure("write \(entry.path)") }
        case .directory(let opaque):
            if !exists(name, in: parentFD) {
                guard mkdirat(parentFD, name, 0o700) == 0 else { throw failure("mkdir \(entry.path)") }
            }
            if opaque { try setXattr("trusted.overlay.opaque", "y", name, in: parentFD) }
        case .symlink(let target):
            guard symlinkat(target, parentFD, name) == 0 else { throw failure("symlink \(entry.path)") }
        case .whiteout:
            guard mknodat(parentFD, name, S_IFCHR | 0o000, 0) == 0 else { throw failure("whiteout \(entry.path)") }
        case .fifo:
            guard mkfifoat(parentFD, name, 0o600) == 0 else { throw failure("mkfifo \(entry.path)") }
        case .hardlink(let existing):
            guard linkat(caseFD, existing, parentFD, name, 0) == 0 else { throw failure("link \(entry.path)") }
            return
        }
        // chown first: it clears set-user-ID and set-group-ID bits a later chmod sets.
        guard fchownat(parentFD, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0 else { throw failure("chown \(entry.path)") }
        if let mode = entry.mode, entry.kind.hasMode {
            guard fchmodat(parentFD, name, mode, 0) == 0 else { throw failure("chmod \(entry.path)") }
        }
        for (xattrName, value) in entry.xattrs { try setXattr(xattrName, value, name, in: parentFD) }
    }

    private func make(_ path: FilePath) throws {
        guard Glibc.mkdir(path.string, 0o755) == 0 || errno == EEXIST else { throw failure("mkdir \(path)") }
        Glibc.chmod(path.string, 0o755)
    }

    private func makeDirectory(_ name: String, in parentFD: Int32, mode: UInt32, owner: Identity) throws {
        guard mkdirat(parentFD, name, 0o700) == 0 else { throw failure("mkdir \(name)") }
        guard fchownat(parentFD, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0, fchmodat(parentFD, name, mode, 0) == 0 else {
            throw failure("set owner and mode of \(name)")
        }
    }

    private func openDirectory(_ path: String, relativeTo fd: Int32) throws -> Int32 {
        let opened = openat(fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard opened >= 0 else { throw failure("open \(path)") }
        return opened
    }

    private func exists(_ name: String, in parentFD: Int32) -> Bool {
        var st = stat()
        return fstatat(parentFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0
    }

    private func setXattr(_ name: String, _ value: String, _ entry: String, in parentFD: Int32) throws {
        let path = "/proc/self/fd/\(parentFD)/\(entry)"
        guard lsetxattr(path, name, value, value.utf8.count, 0) == 0 else { throw failure("setxattr \(name) on \(entry)") }
    }

    private func failure(_ what: String) -> LayerBuildError { LayerBuildError(message: "\(what): \(Errno(rawValue: errno))") }
}

struct LayerBuildError: Error, CustomStringConvertible {
    let message: String
    var description: String { "building the layers: \(message)" }
}

extension LayerEntry.Kind {
    var hasMode: Bool {
        switch self {
        case .symlink, .whiteout, .hardlink: false
        default: true
        }
    }
}
