import Artifact
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
