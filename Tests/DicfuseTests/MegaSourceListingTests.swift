import Dicfuse
import Dispatch
import Foundation
import Synchronization
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite("MegaSource: listing and fetching agree with git")
struct MegaSourceListingTests {
    @Test("every directory lists like git ls-tree; every blob fetches like git cat-file and verifies")
    func listsAndFetchesLikeGit() async throws {
        try await withMegaServer { repository, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let walk = try MegaSourceWalk(source) { directory, entries in
                let expected = try repository.lsTree(directory.path.string).mapValues { MegaEntrySummary($0) }
                #expect(Dictionary(uniqueKeysWithValues: entries.map { ($0.name.string, MegaEntrySummary($0)) }) == expected)
            }
            #expect(walk.directories.count == 7)
            #expect(walk.blobs.count == 11)

            for (entry, directory) in walk.blobs {
                let file = try MegaScratchFile()
                let size = try source.fetch(entry, in: directory, to: file.descriptor)
                let expected = try repository.blob(entry.objectID.hex)
                #expect(size == entry.size, "\(entry.name)")
                #expect(try file.contents == expected, "\(entry.name)")
                #expect(try source.verify(entry.objectID, content: file.descriptor, size: size), "\(entry.name)")
            }
            #expect(try await server.stats().blobAcceptEncodings == ["identity"])
        }
    }

    @Test("the kinds git records: executable, symlink, plain file, directory")
    func kindsFollowGitModes() async throws {
        try await withMegaServer { _, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let root = Dictionary(uniqueKeysWithValues: try source.list(source.root).map { ($0.name.string, $0) })
            #expect(root["README.md"]?.kind == .file(executable: false))
            #expect(root["link-to-main"]?.kind == .symlink)
            #expect(root["link-to-main"]?.size == UInt64("src/main.c".utf8.count))
            #expect(root["empty.txt"]?.size == 0)
            #expect(root["big.bin"]?.size == 1 << 20)
            #expect(root["src"]?.kind == .directory)
            let bin = try source.list(SourceDirectory(path: "bin", objectID: root["bin"]?.objectID))
            #expect(bin.map(\.kind) == [.file(executable: true)])
        }
    }

    @Test(
        "with only the documented fields, sizes are still exact (HEAD, a ranged GET, or the counted body)",
        arguments: [["--plain-api"], ["--plain-api", "--no-head"], ["--plain-api", "--no-head", "--no-range"]])
    func documentedAPIGivesExactSizes(switches: [String]) async throws {
        try await withMegaServer(switches) { repository, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let walk = try MegaSourceWalk(source) { directory, entries in
                let expected = try repository.lsTree(directory.path.string).mapValues { MegaEntrySummary($0, modes: false) }
                #expect(Dictionary(uniqueKeysWithValues: entries.map { ($0.name.string, MegaEntrySummary($0)) }) == expected)
            }
            let link = try #require(walk.blobs.first { $0.entry.name == "link-to-main" })
            let file = try MegaScratchFile()
            _ = try source.fetch(link.entry, in: link.directory, to: file.descriptor)
            #expect(try file.contents == Array("src/main.c".utf8))
        }
    }

    @Test("blobs fetch correctly from many threads at once")
    func fetchesConcurrently() async throws {
        try await withMegaServer(["--plain-api"]) { repository, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let blobs = try MegaSourceWalk(source) { _, _ in }.blobs
            let expected = try blobs.map { try repository.blob($0.entry.objectID.hex) }
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: blobs.count * 3) { index in
                let (entry, directory) = blobs[index % blobs.count]
                do {
                    let file = try MegaScratchFile()
                    let size = try source.fetch(entry, in: directory, to: file.descriptor)
                    guard try file.contents == expected[index % blobs.count],
                        try source.verify(entry.objectID, content: file.descriptor, size: size)
                    else { throw MegaTestProcess.Failure(description: "\(entry.name): wrong content") }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [])
        }
    }

    @Test("verify accepts the right content and rejects changed or resized content")
    func verifiesGitBlobHashes() async throws {
        try await withMegaServer { repository, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            for entry in try source.list(source.root) where entry.kind != .directory {
                let content = try repository.blob(entry.objectID.hex)
                let file = try MegaScratchFile()
                try file.replaceContents(with: content)
                #expect(try source.verify(entry.objectID, content: file.descriptor, size: UInt64(content.count)))

                if !content.isEmpty {
                    var changed = content
                    changed[changed.count / 2] ^= 0x01
                    try file.replaceContents(with: changed)
                    #expect(try !source.verify(entry.objectID, content: file.descriptor, size: UInt64(changed.count)))
                }
                try file.replaceContents(with: content + [0x0a])
                #expect(try !source.verify(entry.objectID, content: file.descriptor, size: UInt64(content.count + 1)))
                // A size that disagrees with the file is a mismatch, not a crash.
                #expect(try !source.verify(entry.objectID, content: file.descriptor, size: UInt64(content.count + 100)))
            }
        }
    }

    @Test("the revision is the latest commit, with its time")
    func revisionIsTheLatestCommit() async throws {
        try await withMegaServer { repository, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            #expect(source.revision.id.hex == (try repository.head))
            #expect(source.revision.time == MegaTestRepository.commitTime)
            #expect(source.identity.contains(server.baseURL))
            #expect(source.identity.contains(try repository.head))
        }
    }

    @Test("listings stay on the revision resolved at start while the server moves on, unless unpinned")
    func listingsArePinnedToTheRevision() async throws {
        try await withMegaServer { repository, server in
            let pinned = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            var unpinnedOptions = megaTestOptions(server.baseURL)
            unpinnedOptions.pinsRevision = false
            let unpinned = try MegaTreeSource(options: unpinnedOptions)
            let before = try repository.lsTree("")

            try repository.write("README.md", "# changed\n")
            try repository.write("added.txt", "new\n")
            try repository.commitAll("move on")

            let pinnedRoot = Dictionary(uniqueKeysWithValues: try pinned.list(pinned.root).map { ($0.name.string, $0.objectID.hex) })
            #expect(pinnedRoot == before.mapValues(\.oid))
            let unpinnedNames = Set(try unpinned.list(unpinned.root).map(\.name.string))
            #expect(unpinnedNames.contains("added.txt"))
        }
    }

    @Test("a server without latest-commit gets a stable stand-in revision")
    func standInRevisionWithoutLatestCommit() async throws {
        try await withMegaServer(["--no-latest-commit"]) { repository, server in
            let first = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let second = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            #expect(first.revision.id == second.revision.id)
            #expect(first.revision.id.hex != (try repository.head))
            #expect(first.revision.time == 0)
            #expect(try first.list(first.root).count == (try repository.lsTree("")).count)
        }
    }

    @Test("a subdirectory can be the served root", arguments: ["/src", "src/lib/", "/odd dir+#1"])
    func servesASubdirectory(rootPath: String) async throws {
        try await withMegaServer { repository, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL, rootPath: rootPath))
            let relative = rootPath.split(separator: "/").joined(separator: "/")
            let parent = relative.contains("/") ? String(relative[..<relative.lastIndex(of: "/")!]) : ""
            let name = relative.split(separator: "/").last.map(String.init)!
            #expect(source.root.objectID?.hex == (try repository.lsTree(parent))[name]?.oid)
            let listed = Dictionary(uniqueKeysWithValues: try source.list(source.root).map { ($0.name.string, MegaEntrySummary($0)) })
            #expect(listed == (try repository.lsTree(relative)).mapValues { MegaEntrySummary($0) })
        }
    }
}
