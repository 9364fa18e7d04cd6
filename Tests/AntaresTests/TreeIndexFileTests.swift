@testable import Antares
import CGit2
import Dicfuse
import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

/// The index of a tree, written by us, against the one `git read-tree` writes of the same tree.
@Suite struct TreeIndexFileTests {
    /// A repository whose one tree holds what orders and encodes tricky: names that sort differently as
    /// files and as directories (`a.c`, `a/`, `a-b`, `a0/`), deep and long paths (one longer than the
    /// 12 bits of an entry's name length), an executable, a symlink, a submodule and an empty file.
    /// `packed`: its objects in one pack (one of the two similar blobs a delta of the other), else loose.
    private static func repository(in scratch: Scratch, packed: Bool = false) throws -> (path: FilePath, tree: String) {
        let path = scratch.directory("repo")
        let long = (0..<18).map { "directory-\($0)-" + String(repeating: "x", count: 220) }.joined(separator: "/") + "/file"
        let script = """
            set -e
            cd '\(path)'
            git init -q -b main .
            text=$(printf 'text\\n' | git hash-object -w --stdin)
            empty=$(git hash-object -w --stdin < /dev/null)
            head -c 300000 /dev/urandom > ../random
            big=$(git hash-object -w ../random)
            printf 'changed' | dd of=../random bs=1 seek=150000 conv=notrunc status=none
            similar=$(git hash-object -w ../random)
            target=$(printf 'a/b' | git hash-object -w --stdin)
            for name in a.c a/b a/c/d a-b a0/e z 'space name' run.sh '\(long)'; do
                git update-index --add --cacheinfo 100644,$text,"$name"
            done
            git update-index --add --cacheinfo 100755,$big,run.sh
            git update-index --add --cacheinfo 100644,$empty,a0/empty
            git update-index --add --cacheinfo 100644,$similar,a0/similar
            git update-index --add --cacheinfo 120000,$target,link
            git update-index --add --cacheinfo 160000,$(printf x | git hash-object --stdin),vendor/module
            git write-tree
            """
        let made = shell(script + (packed ? "\ngit repack -q -a -d -f && git prune-packed && test -z \"$(find .git/objects -type f -path '*/objects/??/*')\"" : ""))
        try #require(made.status == 0, "\(made.output)")
        return (path, String(made.output.split(separator: "\n").last ?? ""))
    }

    private static func ourIndex(of tree: String, in repository: FilePath, seconds: UInt32 = 1_704_067_200) throws -> [UInt8] {
        let opened = try GitRepository(at: repository.string)
        var id = git_oid()
        try #require(git_oid_fromstr(&id, tree) == 0)
        return try TreeIndexFile.bytes(of: id, in: opened.handle, seconds: seconds)
    }

    @Test(arguments: [false, true])
    func entriesAndCacheTreeAreGitsAndEachEntryHasTheViewsStatData(packed: Bool) throws {
        let scratch = try Scratch()
        let (repository, tree) = try Self.repository(in: scratch, packed: packed)
        if packed {
            let deltas = shell("cd '\(repository)' && git verify-pack -v .git/objects/pack/*.idx | awk '$2 == \"blob\" && NF >= 7' | wc -l").output
            try #require(Int(deltas.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= 1, "a blob is stored as a delta")
        }
        let ours = try Self.ourIndex(of: tree, in: repository)
        let gitsPath = scratch.path.appending("git.index")
        #expect(shell("cd '\(repository)' && GIT_INDEX_FILE='\(gitsPath)' git read-tree \(tree)").status == 0)
        let gits = try ParsedIndex(Array(try Data(contentsOf: URL(fileURLWithPath: gitsPath.string))))
        let parsed = try ParsedIndex(ours)

        #expect(parsed.version == 2 && parsed.entries.count == 13)
        #expect(parsed.entries.map(\.key) == gits.entries.map(\.key), "paths, modes, ids and flags in git's order")
        #expect(parsed.entries.contains { $0.flags == 0xFFF && $0.path.count > 0xFFF }, "a long path's length saturates")
        #expect(parsed.treeExtension == gits.treeExtension && parsed.treeExtension != nil, "the cache tree is git's")
        let sizes = shell("cd '\(repository)' && git ls-tree -r -l \(tree)").output.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t")[0].split(separator: " ", omittingEmptySubsequences: true)
            return (String(line.split(separator: "\t")[1]), fields[3] == "-" ? 0 : UInt32(fields[3])!)
        }
        #expect(parsed.entries.map { String(decoding: $0.path, as: UTF8.self) } == sizes.map(\.0))
        #expect(parsed.entries.map(\.size) == sizes.map(\.1), "each blob's size (a submodule's 0)")
        #expect(parsed.entries.allSatisfy { $0.ctime == 1_704_067_200 && $0.mtime == 1_704_067_200 && $0.dev == 0 && $0.ino == 0 })

        let oursPath = scratch.path.appending("ours.index")
        try Data(ours).write(to: URL(fileURLWithPath: oursPath.string))
        let fsck = shell("cd '\(repository)' && GIT_INDEX_FILE='\(oursPath)' git fsck --no-dangling 2>&1")
        #expect(fsck.status == 0, "git verifies the checksum and every entry: \(fsck.output)")
        let written = shell("cd '\(repository)' && GIT_INDEX_FILE='\(oursPath)' git write-tree")
        #expect(written.output == tree + "\n")
    }

    @Test func thePackReaderAnswersWhatGitReadsFromThePack() throws {
        let scratch = try Scratch()
        let (repository, _) = try Self.repository(in: scratch, packed: true)
        let reader = PackReader(objects: repository.appending(".git/objects"))
        // id, type, size, size in pack, offset, and for a delta its depth and base
        let objects = shell("cd '\(repository)' && git verify-pack -v .git/objects/pack/*.idx | grep -E '^[0-9a-f]{40} '").output
            .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        try #require(objects.count >= 20 && objects.contains { $0.count >= 7 }, "a pack with a delta: \(objects)")
        // verify-pack's size of a delta is the delta's; cat-file's is the object's
        let sizes = shell("cd '\(repository)' && git cat-file --batch-all-objects --batch-check='%(objectname) %(objectsize)'").output
            .split(separator: "\n").reduce(into: [String: Int]()) { $0[String($1.prefix(40))] = Int($1.dropFirst(41)) }
        for object in objects {
            let id = try #require(ObjectID(hex: object[0]))
            let size = id.bytes.withUnsafeBytes { reader.size(of: $0.baseAddress!) }
            #expect(size != nil && size == sizes[object[0]], "the size of \(object)")
            let tree = id.bytes.withUnsafeBytes { reader.wholeObject($0.baseAddress!, type: 2) }
            if object[1] == "tree" && object.count < 7 {
                let bytes = shell("cd '\(repository)' && git cat-file tree \(object[0]) | od -An -v -tx1 | tr -d ' \\n'").output
                #expect(tree.map { $0.map { String(format: "%02x", $0) }.joined() } == bytes, "the bytes of tree \(object[0])")
            } else {
                #expect(tree == nil, "\(object) is no tree stored whole")
            }
        }
        let unknown = [UInt8](repeating: 0xab, count: 20)
        #expect(unknown.withUnsafeBytes { reader.size(of: $0.baseAddress!) } == nil, "an object the pack lacks is left to libgit2")
    }

    @Test(arguments: [".git", ".GIT", ".."])
    func aNameGitRefusesInAnIndexIsNamed(name: String) throws {
        let scratch = try Scratch()
        let (repository, _) = try Self.repository(in: scratch)
        let made = shell("""
            cd '\(repository)' && blob=$(printf 'x' | git hash-object -w --stdin) &&
            python3 -c 'import sys; sys.stdout.buffer.write(b"100644 " + sys.argv[2].encode() + b"\\0" + bytes.fromhex(sys.argv[1]))' $blob '\(name)' |
            git hash-object -t tree -w --literally --stdin
            """)
        try #require(made.status == 0, "\(made.output)")
        let tree = made.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let error = #expect(throws: GitFailure.self) { try Self.ourIndex(of: tree, in: repository) }
        #expect(error?.description.contains("has an entry '\(name)', a name git refuses") == true, "\(String(describing: error))")
    }

    @Test func aTreeOutOfGitsOrderIsNamed() throws {
        let scratch = try Scratch()
        let (repository, _) = try Self.repository(in: scratch)
        // Entries "b" then "a": git's tools never write it, `git hash-object --literally` does.
        let made = shell("""
            cd '\(repository)' && blob=$(printf 'x' | git hash-object -w --stdin) &&
            python3 -c 'import sys; b=bytes.fromhex(sys.argv[1]); sys.stdout.buffer.write(b"100644 b\\0"+b+b"100644 a\\0"+b)' $blob |
            git hash-object -t tree -w --literally --stdin
            """)
        try #require(made.status == 0, "\(made.output)")
        let tree = made.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let error = #expect(throws: GitFailure.self) { try Self.ourIndex(of: tree, in: repository) }
        #expect(error?.description.contains("the tree \(tree.prefix(7))") == true && error?.description.contains("'a' out of git's order") == true,
            "\(String(describing: error))")
    }
}

/// A git index (version 2) read back: its entries and the bytes of its cache tree extension.
private struct ParsedIndex {
    struct Entry {
        let ctime: UInt32, mtime: UInt32, dev: UInt32, ino: UInt32, mode: UInt32, size: UInt32
        let id: [UInt8]
        let flags: UInt16
        let path: [UInt8]
        var key: String { "\(String(mode, radix: 8)) \(id) \(flags) \(String(decoding: path, as: UTF8.self))" }
    }

    let version: UInt32
    var entries: [Entry] = []
    var treeExtension: [UInt8]?

    init(_ bytes: [UInt8]) throws {
        func word(_ offset: Int) -> UInt32 { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        try #require(Array(bytes.prefix(4)) == Array("DIRC".utf8))
        version = word(4)
        var offset = 12
        for _ in 0..<word(8) {
            let end = try #require(bytes[(offset + 62)...].firstIndex(of: 0))
            entries.append(
                Entry(
                    ctime: word(offset), mtime: word(offset + 8), dev: word(offset + 16), ino: word(offset + 20), mode: word(offset + 24),
                    size: word(offset + 36), id: Array(bytes[offset + 40..<offset + 60]),
                    flags: UInt16(bytes[offset + 60]) << 8 | UInt16(bytes[offset + 61]), path: Array(bytes[offset + 62..<end])))
            offset += (62 + end - (offset + 62) + 8) & ~7
        }
        while offset < bytes.count - 20 {
            let size = Int(word(offset + 4))
            if Array(bytes[offset..<offset + 4]) == Array("TREE".utf8) { treeExtension = Array(bytes[offset + 8..<offset + 8 + size]) }
            offset += 8 + size
        }
    }
}
