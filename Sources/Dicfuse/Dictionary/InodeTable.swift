import SystemPackage

/// The dictionary of a tree: one compact record per entry, names and ids packed into shared byte arenas.
///
/// A directory's children are appended as one consecutive run of records, sorted by name, when the
/// directory is loaded, so a lookup is a binary search and a listing a slice: no per-directory maps.
/// Inode numbers are record indices + 1 (the root is 1) and never change; records are never removed.
/// What a source records beyond kind and size (a plain directory's `lstat`) lives in a side table that
/// only such sources fill: a git tree's dictionary holds the 40-byte records and the arenas, nothing more.
/// Not thread-safe by itself: ``Dicfuse`` guards it with a readers-writer lock.
struct InodeTable {
    enum Kind: UInt8 {
        case file, executable, symlink, directory, submodule, fifo, socket, characterDevice, blockDevice
    }

    enum LoadState: UInt8 {
        case unloaded, loaded
    }

    struct Record {
        var nameOffset: UInt32
        var nameLength: UInt16
        var kind: Kind
        var state: LoadState
        var parent: UInt32
        var firstChild: UInt32
        var childCount: UInt32
        var idOffset: UInt32
        var idLength: UInt8
        /// 1 + the index of the entry's metadata in the side table; 0 when the source records none.
        /// It sits in what would otherwise be padding: a record is 40 bytes with or without it.
        var metadataSlot: UInt32
        var size: UInt64
    }

    private(set) var records: [Record] = []
    private var names: [UInt8] = []
    private var ids: [UInt8] = []
    private var metadata: [StoredMetadata] = []
    /// Files of the source with more than one name, by identity: their shared metadata slot.
    private var hardLinks: [FileIdentity: UInt32] = [:]

    init(rootID: ObjectID?, rootSize: UInt64 = 0, rootMetadata: EntryMetadata? = nil) {
        let id = rootID?.bytes ?? []
        ids += id
        records.append(Record(
            nameOffset: 0, nameLength: 0, kind: .directory, state: .unloaded, parent: 0, firstChild: 0,
            childCount: 0, idOffset: 0, idLength: UInt8(id.count), metadataSlot: 0, size: rootSize))
        if let rootMetadata { records[0].metadataSlot = slot(for: rootMetadata, kind: .directory, index: 0) }
    }

    var count: Int { records.count }

    /// Approximate bytes held, for the memory figure per entry.
    var byteFootprint: Int {
        records.capacity * MemoryLayout<Record>.stride + names.capacity + ids.capacity
            + metadata.capacity * MemoryLayout<StoredMetadata>.stride
            + hardLinks.capacity * (MemoryLayout<FileIdentity>.stride + MemoryLayout<UInt32>.stride)
    }

    /// What the source records of `record`, if anything.
    func metadata(of record: Record) -> StoredMetadata? {
        record.metadataSlot == 0 ? nil : metadata[Int(record.metadataSlot) - 1]
    }

    static func index(of inode: Inode) -> Int? {
        let value = Int(inode.rawValue)
        return value >= 1 ? value - 1 : nil
    }

    static func inode(of index: Int) -> Inode { Inode(rawValue: CInterop.Inode(index + 1)) }

    func record(_ inode: Inode) -> Record? {
        guard let index = Self.index(of: inode), index < records.count else { return nil }
        return records[index]
    }

    func name(of record: Record) -> FilePath.Component {
        names.withUnsafeBufferPointer { buffer in
            let bytes = buffer[Int(record.nameOffset)..<Int(record.nameOffset) + Int(record.nameLength)]
            let cString = bytes.map { CChar(bitPattern: $0) } + [0]
            return cString.withUnsafeBufferPointer { FilePath.Component(platformString: $0.baseAddress!) } ?? "?"
        }
    }

    func objectID(of record: Record) -> ObjectID? {
        record.idLength == 0 ? nil : ObjectID(bytes: Array(ids[Int(record.idOffset)..<Int(record.idOffset) + Int(record.idLength)]))
    }

    /// The child of directory `inode` named `name`, by binary search over the sorted run of children.
    func child(of inode: Inode, named name: FilePath.Component) -> Inode? {
        guard let parent = record(inode), parent.state == .loaded, parent.childCount > 0 else { return nil }
        return name.withPlatformString { cName -> Inode? in
            let wanted = UnsafeRawBufferPointer(start: cName, count: strlenOf(cName))
            return names.withUnsafeBytes { arena -> Inode? in
                var low = Int(parent.firstChild)
                var high = low + Int(parent.childCount) - 1
                while low <= high {
                    let middle = (low + high) / 2
                    let candidate = records[middle]
                    let bytes = UnsafeRawBufferPointer(rebasing: arena[Int(candidate.nameOffset)..<Int(candidate.nameOffset) + Int(candidate.nameLength)])
                    let order = compareBytes(bytes, wanted)
                    if order == 0 { return Self.inode(of: middle) }
                    if order < 0 { low = middle + 1 } else { high = middle - 1 }
                }
                return nil
            }
        }
    }

    /// Adds the children of a directory that is not loaded yet, and marks it loaded.
    mutating func load(_ entries: [TreeEntry], into inode: Inode) {
        guard let index = Self.index(of: inode), index < records.count, records[index].state == .unloaded else { return }
        var prepared: [(name: [UInt8], entry: TreeEntry)] = entries.map { entry in
            (entry.name.withPlatformString { Array(UnsafeRawBufferPointer(start: $0, count: strlenOf($0))) }, entry)
        }
        prepared.sort { compareBytes($0.name, $1.name) < 0 }
        // No reserveCapacity here: reserving exactly what one directory adds would copy the whole table
        // at every directory loaded, where appending grows it geometrically.
        let first = records.count
        for (name, entry) in prepared {
            let nameOffset = UInt32(names.count)
            names += name
            let idOffset = UInt32(ids.count)
            ids += entry.objectID.bytes
            let kind = Kind(entry.kind)
            let slot = entry.metadata.map { self.slot(for: $0, kind: kind, index: records.count) } ?? 0
            records.append(Record(
                nameOffset: nameOffset, nameLength: UInt16(clamping: name.count), kind: kind,
                state: kind == .submodule ? .loaded : .unloaded, parent: UInt32(index), firstChild: 0, childCount: 0,
                idOffset: idOffset, idLength: UInt8(clamping: entry.objectID.bytes.count), metadataSlot: slot, size: entry.size))
        }
        records[index].firstChild = UInt32(first)
        records[index].childCount = UInt32(prepared.count)
        records[index].state = .loaded
    }

    /// The metadata slot for a new record at `index`: a new one, or, for another name of a file already
    /// in the table (a hard link), that file's, so both names report one inode number.
    private mutating func slot(for entry: EntryMetadata, kind: Kind, index: Int) -> UInt32 {
        let linked = kind != .directory && entry.linkCount > 1 ? entry.identity : nil
        if let linked, let existing = hardLinks[linked] { return existing }
        metadata.append(StoredMetadata(entry, inodeIndex: UInt32(index)))
        let slot = UInt32(metadata.count)
        if let linked { hardLinks[linked] = slot }
        return slot
    }

    /// The path of `inode` from the served root ("" for the root).
    func path(of inode: Inode) -> FilePath {
        var ranges: [Range<Int>] = []
        var length = 0
        var index = Self.index(of: inode) ?? 0
        while index != 0 {
            let record = records[index]
            ranges.append(Int(record.nameOffset)..<Int(record.nameOffset) + Int(record.nameLength))
            length += Int(record.nameLength) + 1
            index = Int(record.parent)
        }
        guard !ranges.isEmpty else { return FilePath() }
        var bytes: [CChar] = []
        bytes.reserveCapacity(length)
        for range in ranges.reversed() {
            if !bytes.isEmpty { bytes.append(0x2F) }
            names.withUnsafeBufferPointer { buffer in bytes += buffer[range].lazy.map { CChar(bitPattern: $0) } }
        }
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { FilePath(platformString: $0.baseAddress!) }
    }
}

extension InodeTable.Kind {
    init(_ kind: TreeEntryKind) {
        switch kind {
        case .file(let executable): self = executable ? .executable : .file
        case .symlink: self = .symlink
        case .directory: self = .directory
        case .submodule: self = .submodule
        case .fifo: self = .fifo
        case .socket: self = .socket
        case .characterDevice: self = .characterDevice
        case .blockDevice: self = .blockDevice
        }
    }

    var treeEntryKind: TreeEntryKind {
        switch self {
        case .file: .file(executable: false)
        case .executable: .file(executable: true)
        case .symlink: .symlink
        case .directory: .directory
        case .submodule: .submodule
        case .fifo: .fifo
        case .socket: .socket
        case .characterDevice: .characterDevice
        case .blockDevice: .blockDevice
        }
    }

    /// Whether the entry has content to read (a file's bytes, a symlink's target).
    var hasContent: Bool { self == .file || self == .executable || self == .symlink }
}

private func strlenOf(_ pointer: UnsafePointer<CChar>) -> Int {
    var length = 0
    while pointer[length] != 0 { length += 1 }
    return length
}

/// Byte-wise order (memcmp, then length).
private func compareBytes(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Int {
    for (a, b) in zip(lhs, rhs) where a != b { return a < b ? -1 : 1 }
    return lhs.count == rhs.count ? 0 : (lhs.count < rhs.count ? -1 : 1)
}
