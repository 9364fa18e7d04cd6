import Glibc
import SystemPackage

/// The host repository's branches, tags and remote-tracking refs as a job's `.git` holds them, read
/// from the files git keeps them in: `packed-refs`, and the loose refs under `refs/heads`, `refs/tags`
/// and `refs/remotes`, each loose ref over a packed one of its name, as git reads them. Direct refs go
/// into the job's `packed-refs`, sorted by name; symbolic ones stay loose.
///
/// Read as bytes: at tens of thousands of refs, libgit2's iterator (a reference object per ref) was
/// most of a job's mount.
struct HostRefs {
    /// The loose symbolic refs' files, sorted by name.
    private var symbolic: [GitFile] = []
    /// The direct refs, sorted by name: each one's name and target id (hex) as ranges of `bytes`.
    private var direct: [Entry] = []
    /// `packed-refs` as read, then the name and target of each loose direct ref and the name of each
    /// loose symbolic one.
    private var bytes: [UInt8] = []

    private struct Entry {
        var name: Range<Int>
        var target: Range<Int>
    }

    /// Reads the refs of the repository whose common git directory is `commonDirectory`.
    init(commonDirectory: FilePath) throws(GitFailure) {
        let packedFile = commonDirectory.appending("packed-refs")
        do {
            bytes = try packedFile.readContents()
        } catch .noSuchFileOrDirectory {
            bytes = []
        } catch {
            throw GitFailure(message: "reading \(packedFile): \(error)")
        }
        let packed = packedEntries()
        var loose: [Entry] = []
        var symbolicNames: [Entry] = []
        var buffer = [UInt8](repeating: 0, count: Self.largestRefFile + 1)
        for prefix in Self.copiedRefPrefixes {
            let path = commonDirectory.appending(prefix).string
            let directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard directory >= 0 else {
                if errno == ENOENT { continue }
                throw GitFailure(message: "opening \(path): \(Errno(rawValue: errno))")
            }
            defer { close(directory) }
            try readLoose(directory, path: path, name: prefix, buffer: &buffer, into: &loose, symbolic: &symbolicNames)
        }
        direct = bytes.withUnsafeBufferPointer { base in
            let before = { (a: Entry, b: Entry) in Self.compare(a.name, b.name, in: base) < 0 }
            let sortedPacked = zip(packed, packed.dropFirst()).allSatisfy { before($0, $1) } ? packed : packed.sorted(by: before)
            // A loose ref, direct or symbolic, stands for the packed one of its name.
            let overrides = (loose + symbolicNames).sorted(by: before)
            var kept: [Entry] = []
            kept.reserveCapacity(sortedPacked.count)
            var next = 0
            for entry in sortedPacked {
                while next < overrides.count && before(overrides[next], entry) { next += 1 }
                if next < overrides.count && Self.compare(overrides[next].name, entry.name, in: base) == 0 { continue }
                kept.append(entry)
            }
            return Self.merged(kept, loose.sorted(by: before), by: before)
        }
        symbolic.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The job's ref files, relative to its `.git`: the loose symbolic refs, then `packed-refs`.
    var files: [GitFile] { symbolic + [GitFile("packed-refs", packedRefs)] }

    /// The job's `packed-refs`: every direct ref, sorted by name, no peeled ids.
    var packedRefs: [UInt8] {
        var text = Array("# pack-refs with: sorted \n".utf8)
        text.reserveCapacity(text.count + direct.reduce(0) { $0 + $1.name.count + $1.target.count + 2 })
        for entry in direct {
            text += bytes[entry.target]
            text.append(UInt8(ascii: " "))
            text += bytes[entry.name]
            text.append(UInt8(ascii: "\n"))
        }
        return text
    }

    // MARK: - packed-refs

    /// The copied refs of `packed-refs` (`bytes` as read), in the file's order. A line is `ID NAME`;
    /// comments (`#`) and peeled ids (`^ID`) are skipped, as is any line that is neither.
    private func packedEntries() -> [Entry] {
        bytes.withUnsafeBufferPointer { base in
            guard let first = base.baseAddress else { return [] }
            var entries: [Entry] = []
            var start = 0
            while start < base.count {
                let end = memchr(first + start, Int32(UInt8(ascii: "\n")), base.count - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(first) } ?? base.count
                defer { start = end + 1 }
                guard base[start] != UInt8(ascii: "#"), base[start] != UInt8(ascii: "^") else { continue }
                let idLength = Self.hexPrefixLength(UnsafeBufferPointer(rebasing: base[start..<end]))
                let nameStart = start + idLength + 1
                guard Self.isObjectIDLength(idLength), nameStart < end, base[nameStart - 1] == UInt8(ascii: " "),
                    Self.isCopiedRefName(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: base[nameStart..<end])))
                else { continue }
                entries.append(Entry(name: nameStart..<end, target: start..<start + idLength))
            }
            return entries
        }
    }

    // MARK: - Loose refs

    /// Reads the loose refs in `directory` (an open descriptor of `path`), whose ref name is `name`
    /// (ending in `/`), and below it: a file holding an id is a direct ref (appended to `bytes`), one
    /// holding `ref: TARGET` a symbolic one. Lock files and files holding neither are skipped, as git
    /// skips them; so are links to directories (no loops).
    private mutating func readLoose(
        _ directory: Int32, path: String, name: String, buffer: inout [UInt8], into loose: inout [Entry], symbolic names: inout [Entry]
    ) throws(GitFailure) {
        let duplicate = dup(directory)
        guard duplicate >= 0, let stream = fdopendir(duplicate) else {
            if duplicate >= 0 { close(duplicate) }
            throw GitFailure(message: "listing \(path): \(Errno(rawValue: errno))")
        }
        for entry in Posix.entries(of: stream) where !entry.name.hasSuffix(".lock") {
            let refName = name + entry.name
            if Posix.isDirectory(entry, in: directory) {
                guard let child = Posix.openDirectory(entry.name, in: directory) else {
                    if errno == ENOENT { continue }  // removed since the listing
                    throw GitFailure(message: "opening \(path)/\(entry.name): \(Errno(rawValue: errno))")
                }
                defer { close(child) }
                try readLoose(child, path: "\(path)/\(entry.name)", name: refName + "/", buffer: &buffer, into: &loose, symbolic: &names)
                continue
            }
            guard Array(refName.utf8).withUnsafeBytes({ Self.isCopiedRefName($0) }) else { continue }
            let count: Int
            do {
                count = try Self.read(entry.name, in: directory, into: &buffer)
            } catch .noSuchFileOrDirectory, .isDirectory {
                continue  // removed since the listing, or a link to a directory
            } catch {
                throw GitFailure(message: "reading the ref \(path)/\(entry.name): \(error)")
            }
            guard count <= Self.largestRefFile else { continue }
            let contents = buffer[..<count]
            if contents.starts(with: Self.symbolicPrefix) {
                let target = contents.dropFirst(Self.symbolicPrefix.count).prefix { !Self.isWhitespace($0) }
                guard !target.isEmpty else { continue }
                let nameStart = bytes.count
                bytes += refName.utf8
                names.append(Entry(name: nameStart..<bytes.count, target: bytes.count..<bytes.count))
                symbolic.append(GitFile(refName, Self.symbolicPrefix + target + [UInt8(ascii: "\n")]))
                continue
            }
            let idLength = buffer.withUnsafeBufferPointer { Self.hexPrefixLength(UnsafeBufferPointer(rebasing: $0[..<count])) }
            guard Self.isObjectIDLength(idLength), idLength == count || Self.isWhitespace(buffer[idLength]) else { continue }
            let nameStart = bytes.count
            bytes += refName.utf8
            let targetStart = bytes.count
            bytes += buffer[..<idLength]
            loose.append(Entry(name: nameStart..<targetStart, target: targetStart..<bytes.count))
        }
    }

    /// A ref file's bytes, at most `buffer`'s size of them (more than ``largestRefFile`` is no ref).
    private static func read(_ name: String, in directory: Int32, into buffer: inout [UInt8]) throws(Errno) -> Int {
        let descriptor = openat(directory, name, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Errno(rawValue: errno) }
        defer { close(descriptor) }
        return try Posix.read(descriptor, into: &buffer)
    }

    /// The longest ref file read: `ref: `, a name as long as a path may be, and a newline.
    private static let largestRefFile = 5 + Int(PATH_MAX) + 1

    private static let symbolicPrefix = Array("ref: ".utf8)

    // MARK: - Names and ids

    /// A branch, tag or remote-tracking ref whose name has no empty, `.` or `..` component.
    private static func isCopiedRefName(_ name: UnsafeRawBufferPointer) -> Bool {
        guard let start = name.baseAddress,
            copiedRefPrefixBytes.contains(where: { name.count > $0.count && memcmp(start, $0, $0.count) == 0 })
        else { return false }
        var componentStart = 0
        for index in 0...name.count where index == name.count || name[index] == UInt8(ascii: "/") {
            let length = index - componentStart
            if length == 0 || length <= 2 && name[componentStart..<index].allSatisfy({ $0 == UInt8(ascii: ".") }) { return false }
            componentStart = index + 1
        }
        return true
    }

    private static let copiedRefPrefixes = ["refs/heads/", "refs/tags/", "refs/remotes/"]
    private static let copiedRefPrefixBytes = copiedRefPrefixes.map { Array($0.utf8) }

    /// A SHA-1 or a SHA-256 id's length in hex.
    private static func isObjectIDLength(_ length: Int) -> Bool { length == 40 || length == 64 }

    /// How many hex digits `bytes` begins with (either case, as git and libgit2 read ids).
    private static func hexPrefixLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var length = 0
        while length < bytes.count {
            let byte = bytes[length]
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            else { break }
            length += 1
        }
        return length
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    /// Byte order of two names in `base`, as `memcmp` answers, the shorter first when one begins the other.
    private static func compare(_ a: Range<Int>, _ b: Range<Int>, in base: UnsafeBufferPointer<UInt8>) -> Int32 {
        let common = min(a.count, b.count)
        if common > 0, let start = base.baseAddress {
            let order = memcmp(start + a.lowerBound, start + b.lowerBound, common)
            if order != 0 { return order }
        }
        return a.count == b.count ? 0 : a.count < b.count ? -1 : 1
    }

    /// Two sorted lists as one.
    private static func merged(_ one: [Entry], _ two: [Entry], by before: (Entry, Entry) -> Bool) -> [Entry] {
        guard !two.isEmpty else { return one }
        var result: [Entry] = []
        result.reserveCapacity(one.count + two.count)
        var i = 0, j = 0
        while i < one.count || j < two.count {
            if j == two.count || i < one.count && before(one[i], two[j]) {
                result.append(one[i])
                i += 1
            } else {
                result.append(two[j])
                j += 1
            }
        }
        return result
    }
}
