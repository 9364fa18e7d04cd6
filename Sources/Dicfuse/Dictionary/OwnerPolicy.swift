import Glibc

/// Which owner an entry reports: the source's own where it records one, unless the options override
/// it or this process cannot represent it; the configured owner otherwise.
///
/// Inside a user namespace (`unshare -Urm`) a source's files owned by ids the namespace does not map
/// `lstat` as the overflow id; served as such, kernel overlayfs cannot copy them up (EOVERFLOW), so they
/// report the process's own uid/gid, as a source that records no owner does by default.
struct OwnerPolicy: Sendable {
    var uid: uid_t
    var gid: gid_t
    var overridesSourceOwners: Bool
    var processUID: uid_t = geteuid()
    var processGID: gid_t = getegid()
    var mappedUIDs = IDRanges(readingMap: "/proc/self/uid_map")
    var mappedGIDs = IDRanges(readingMap: "/proc/self/gid_map")

    init(_ options: DicfuseOptions) {
        uid = options.uid
        gid = options.gid
        overridesSourceOwners = options.overridesSourceOwners
    }

    /// The owner reported for an entry whose source records `uid`/`gid`.
    func owner(sourceUID: uid_t, sourceGID: gid_t) -> (uid: uid_t, gid: gid_t) {
        if overridesSourceOwners { return (uid, gid) }
        return (mappedUIDs.contains(sourceUID) ? sourceUID : processUID, mappedGIDs.contains(sourceGID) ? sourceGID : processGID)
    }
}

/// The ids a user namespace maps, from `/proc/self/uid_map` (`inside outside count` per line).
struct IDRanges: Sendable {
    private var ranges: [(first: UInt64, count: UInt64)]

    /// Every id (the initial namespace, or a map that cannot be read).
    static let all = IDRanges(ranges: [(0, 1 << 32)])

    private init(ranges: [(first: UInt64, count: UInt64)]) { self.ranges = ranges }

    init(mapText: String) {
        ranges = mapText.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 3, let first = UInt64(fields[0]), let count = UInt64(fields[2]) else { return nil }
            return (first, count)
        }
    }

    init(readingMap path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { self = .all; return }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)  // the kernel allows at most 340 lines; one read returns them
        let count = read(fd, &bytes, bytes.count)
        guard count > 0 else { self = .all; return }
        self.init(mapText: String(decoding: bytes[..<count], as: UTF8.self))
    }

    func contains(_ id: UInt32) -> Bool {
        ranges.contains { UInt64(id) >= $0.first && UInt64(id) - $0.first < $0.count }
    }
}
