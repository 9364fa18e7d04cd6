import CFuse
import Glibc
import SystemPackage

/// The reply buffer of one `readdir`/`readdirplus` request, filled entry by entry in the kernel's format.
///
/// Each entry carries `nextOffset`, the cookie the kernel sends back to continue after that entry, so a
/// filesystem must be able to resume a listing from any cookie it handed out.
public struct DirectoryBuffer: ~Copyable {
    private let request: fuse_req_t
    private let storage: UnsafeMutablePointer<CChar>
    private let capacity: Int
    /// Bytes filled so far.
    public private(set) var used = 0
    /// Whether this buffer answers `readdirplus` (entries must be added with full attributes).
    public let isPlus: Bool

    init(request: fuse_req_t, capacity: Int, isPlus: Bool) {
        self.request = request
        self.capacity = capacity
        self.storage = .allocate(capacity: capacity)
        self.isPlus = isPlus
    }

    deinit { storage.deallocate() }

    /// Adds a plain entry (readdir). Returns false, adding nothing, when the entry does not fit.
    public mutating func add(name: FilePath.Component, inode: Inode, type: FileType, nextOffset: Int64) -> Bool {
        var st = stat()
        st.st_ino = inode.rawValue
        st.st_mode = type.rawValue
        let request = self.request
        return append(name: name) { buf, room, cName in
            fuse_add_direntry(request, buf, room, cName, &st, off_t(nextOffset))
        }
    }

    /// Adds an entry with its attributes (readdirplus); the kernel counts it as a lookup of `entry.inode`
    /// unless the name is `.` or `..`. Returns false, adding nothing, when the entry does not fit.
    public mutating func add(name: FilePath.Component, entry: Entry, nextOffset: Int64) -> Bool {
        var param = fuse_entry_param(entry)
        let request = self.request
        return append(name: name) { buf, room, cName in
            fuse_add_direntry_plus(request, buf, room, cName, &param, off_t(nextOffset))
        }
    }

    private mutating func append(
        name: FilePath.Component,
        _ add: (UnsafeMutablePointer<CChar>, Int, UnsafePointer<CChar>) -> Int
    ) -> Bool {
        let room = capacity - used
        let base = storage + used
        let needed = name.withPlatformString { add(base, room, $0) }
        guard needed <= room else { return false }
        used += needed
        return true
    }

    func reply() -> Int32 {
        fuse_reply_buf(request, storage, used)
    }
}

extension fuse_entry_param {
    init(_ entry: Entry) {
        self.init()
        ino = entry.inode.fuseValue
        generation = entry.generation
        attr = entry.attributes.stat
        attr_timeout = entry.attributeTimeout
        entry_timeout = entry.entryTimeout
    }
}
