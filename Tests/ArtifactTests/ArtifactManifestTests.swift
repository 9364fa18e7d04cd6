import Artifact
import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite struct ArtifactManifestTests {
    @Test func manifestIsWrittenBesideTheLayerAndReadsBack() throws {
        let fixture = try LayerFixture()
        let (layer, summary) = try fixture.write(.zstd, name: "run-0193c5f2a1")
        let path = ArtifactManifest.path(besideLayer: layer)
        #expect(path == fixture.scratch.path.appending("run-0193c5f2a1.json"))
        let manifest = ArtifactManifest(
            jobID: "run-0193c5f2a1", baseRevision: "8f3c2e1", cl: "456", command: ["make", "all"], exitStatus: 2,
            startedAt: Date(timeIntervalSince1970: 1_704_164_645), finishedAt: Date(timeIntervalSince1970: 1_704_164_709),
            layer: layer, summary: summary)
        try manifest.write(to: path)
        #expect(try ArtifactManifest.read(from: path) == manifest)

        let json = try run("cat '\(path)'")
        #expect(json.contains(#""job_id" : "run-0193c5f2a1""#))
        #expect(json.contains(#""base_revision" : "8f3c2e1""#))
        #expect(json.contains(#""started_at" : "2024-01-02T03:04:05Z""#))
        #expect(json.contains(#""finished_at" : "2024-01-02T03:05:09Z""#))
        #expect(json.contains(#""exit_status" : 2"#))
        #expect(json.contains(#""media_type" : "application/vnd.oci.image.layer.v1.tar+zstd""#))
        #expect(json.contains(#""diff_id" : "\#(summary.diffID)""#))
        #expect(json.contains(#""digest" : "\#(summary.digest)""#))
        #expect(json.contains(#""layer" : "run-0193c5f2a1.tar.zst""#))
        #expect(json.contains(#""deleted" : 2"#))
    }

    @Test func manifestTimesAreUTCToTheSecond() throws {
        let summary = LayerSummary(
            compression: .gzip, diffID: "sha256:0", digest: "sha256:1", size: 1, uncompressedSize: 1, counts: ChangeCounts(), entries: 0)
        let manifest = ArtifactManifest(
            jobID: "j", baseRevision: "b", cl: nil, command: ["true"], exitStatus: 0,
            startedAt: Date(timeIntervalSince1970: 1_704_164_645.75), finishedAt: Date(timeIntervalSince1970: 951_782_400),
            layer: "j.tar.gz", summary: summary)
        let text = String(decoding: try manifest.encoded(), as: UTF8.self)
        #expect(text.contains(#""started_at" : "2024-01-02T03:04:05Z""#))
        #expect(text.contains(#""finished_at" : "2000-02-29T00:00:00Z""#))
    }

    @Test func manifestPathDropsEveryLayerExtension() {
        #expect(ArtifactManifest.path(besideLayer: "/a/x.tar.gz") == "/a/x.json")
        #expect(ArtifactManifest.path(besideLayer: "/a/x.tar.zst") == "/a/x.json")
        #expect(ArtifactManifest.path(besideLayer: "/a/x.tar") == "/a/x.json")
    }

    @Test func anUnwritableManifestPathNamesIt() throws {
        let scratch = try Scratch()
        let summary = LayerSummary(
            compression: .gzip, diffID: "sha256:0", digest: "sha256:1", size: 1, uncompressedSize: 1, counts: ChangeCounts(), entries: 0)
        let manifest = ArtifactManifest(
            jobID: "j", baseRevision: "b", cl: nil, command: ["true"], exitStatus: 0, startedAt: Date(), finishedAt: Date(),
            layer: "j.tar.gz", summary: summary)
        let path = scratch.path.appending("missing/j.json")
        #expect(throws: ArtifactError.cannotWrite(path, .noSuchFileOrDirectory)) { try manifest.write(to: path) }
    }
}
