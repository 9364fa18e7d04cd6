@testable import Artifact
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite struct LayerDigestTests {
    @Test(arguments: LayerCompression.allCases)
    func digestsMatchSha256sumOfTheFileAndOfTheTar(compression: LayerCompression) throws {
        let fixture = try LayerFixture()
        let (layer, summary) = try fixture.write(compression)
        let decompress = switch compression {
        case .gzip: "gzip -dc"
        case .zstd: "zstd -q -dc"
        case .none: "cat"
        }
        let fileHash = try run("sha256sum < '\(layer)'").prefix(64)
        let tarHash = try run("\(decompress) < '\(layer)' | sha256sum").prefix(64)
        #expect(summary.digest == "sha256:\(fileHash)")
        #expect(summary.diffID == "sha256:\(tarHash)")
        #expect(summary.size == UInt64(try run("stat -c %s '\(layer)'").split(separator: "\n")[0])!)
        #expect(summary.uncompressedSize == UInt64(try run("\(decompress) < '\(layer)' | wc -c").split(separator: "\n")[0])!)
        #expect(summary.mediaType == compression.mediaType)
        if compression == .none { #expect(summary.digest == summary.diffID) }
        let magic = try run("head -c 4 '\(layer)' | od -An -tx1").split(separator: " ").joined(separator: " ")
        switch compression {
        case .gzip: #expect(magic.hasPrefix("1f 8b"))
        case .zstd: #expect(magic.hasPrefix("28 b5 2f fd"))
        case .none: #expect(!magic.hasPrefix("1f 8b"))
        }
    }

    @Test(arguments: LayerCompression.allCases)
    func theSameChangesGiveTheSameBytes(compression: LayerCompression) throws {
        let fixture = try LayerFixture()
        let (_, first) = try fixture.write(compression, name: "first")
        let (_, second) = try fixture.write(compression, name: "second")
        #expect(first.digest == second.digest)
        #expect(first.diffID == second.diffID)
    }

    /// Files far larger than the writer's blocks and zstd's jobs, many small ones among them.
    private func largeTree(in scratch: Scratch) throws -> FilePath {
        let tree = scratch.directory("large")
        try run(
            """
            set -e
            cd '\(tree)'
            head -c 5000000 /dev/urandom > random
            seq 1 1500000 > counting
            head -c 3000001 /dev/urandom > odd-sized
            mkdir small
            for i in $(seq 1 60); do seq 1 $((i * 97)) > small/file-$i; done
            """)
        return tree
    }

    @Test(arguments: LayerCompression.allCases)
    func digestsOfALayerLargerThanEveryBufferMatchSha256sum(compression: LayerCompression) throws {
        let scratch = try Scratch()
        let tree = try largeTree(in: scratch)
        let layer = scratch.path.appending("large.\(compression.fileExtension)")
        let summary = try OCILayerWriter(compression: compression).write(LayerChange.additions(under: tree), to: layer)
        let decompress = switch compression {
        case .gzip: "gzip -dc"
        case .zstd: "zstd -q -dc"
        case .none: "cat"
        }
        #expect(summary.digest == "sha256:\(try run("sha256sum < '\(layer)'").prefix(64))")
        #expect(summary.diffID == "sha256:\(try run("\(decompress) < '\(layer)' | sha256sum").prefix(64))")
        #expect(summary.uncompressedSize > 16_000_000)
        let unpacked = scratch.directory("unpacked")
        try run("\(decompress) < '\(layer)' | tar -xf - -C '\(unpacked)'")
        #expect(try run("diff -r '\(tree)' '\(unpacked)' && echo same") == "same\n")
    }

    @Test func theZstdBytesDoNotDependOnTheNumberOfCompressionThreads() throws {
        let scratch = try Scratch()
        let changes = LayerChange.additions(under: try largeTree(in: scratch))
        var digests: Set<String> = []
        for threads in [1, 2, 5] {
            var writer = OCILayerWriter(compression: .zstd)
            writer.compressionThreads = threads
            digests.insert(try writer.write(changes, to: scratch.path.appending("threads-\(threads).tar.zst")).digest)
        }
        #expect(digests.count == 1)
    }

    @Test func hashesLargeMultiBlockContent() throws {
        let scratch = try Scratch()
        let tree = scratch.directory("tree")
        try run("head -c 3000001 /dev/urandom > '\(tree)/big'; : > '\(tree)/empty'")
        let layer = scratch.path.appending("big.tar")
        let summary = try OCILayerWriter(compression: .none).write(LayerChange.additions(under: tree), to: layer)
        #expect(summary.diffID == "sha256:\(try run("sha256sum < '\(layer)'").prefix(64))")
        #expect(summary.counts.bytesAdded == 3_000_001)
        #expect(try run("tar -xOf '\(layer)' big | cmp - '\(tree)/big' && echo same") == "same\n")
    }
}
