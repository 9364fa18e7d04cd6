import Artifact
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite struct LayerErrorTests {
    @Test func anUnwritableDestinationNamesThePath() throws {
        let fixture = try LayerFixture()
        let destination = fixture.scratch.path.appending("no-such-dir/layer.tar.gz")
        #expect(throws: ArtifactError.cannotWrite(destination, .noSuchFileOrDirectory)) {
            try OCILayerWriter().write(fixture.changes, to: destination)
        }
        do {
            _ = try OCILayerWriter().write(fixture.changes, to: destination)
        } catch {
            #expect(error.description.contains(destination.string))
        }
    }

    @Test func aDestinationThatIsADirectoryNamesThePath() throws {
        let fixture = try LayerFixture()
        let destination = fixture.scratch.directory("taken")
        #expect(throws: ArtifactError.cannotWrite(destination, .isDirectory)) {
            try OCILayerWriter().write(fixture.changes, to: destination)
        }
    }

    @Test func aMissingSourceNamesItAndLeavesNoFile() throws {
        let fixture = try LayerFixture()
        let missing = fixture.upper.appending("vanished")
        let destination = fixture.scratch.path.appending("layer.tar.gz")
        #expect(throws: ArtifactError.cannotRead(missing, .noSuchFileOrDirectory)) {
            try OCILayerWriter().write(fixture.changes + [.added("vanished", from: missing)], to: destination)
        }
        #expect(shell("test -e '\(destination)'").status != 0)
    }

    @Test(arguments: ["", "/", "../escape", "a/../../b"])
    func pathsOutsideTheLayerAreRefused(path: String) throws {
        let fixture = try LayerFixture()
        #expect(throws: ArtifactError.invalidPath(path)) {
            try OCILayerWriter().write([.deleted(path)], to: fixture.scratch.path.appending("layer.tar"))
        }
    }
}
