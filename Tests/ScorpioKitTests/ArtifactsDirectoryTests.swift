import ScorpioKit
import SystemPackage
import Testing

/// Where artifacts go: outside any work tree unless `artifacts_dir` says otherwise.
@Suite("artifacts directory")
struct ArtifactsDirectoryTests {
    @Test func theDefaultIsTheUsersStateDirectory() {
        let settings = ArtifactSettings()
        #expect(settings.directory == nil)
        #expect(settings.directory(environment: ["XDG_STATE_HOME": "/state", "HOME": "/home/u"]) == "/state/scorpio/artifacts")
        #expect(settings.directory(environment: ["HOME": "/home/u"]) == "/home/u/.local/state/scorpio/artifacts")
        #expect(settings.directory(environment: ["HOME": "/root"]) == "/root/.local/state/scorpio/artifacts", "root's too")
    }

    @Test func aRelativeOrEmptyStateHomeIsIgnoredAsXDGSays() {
        let settings = ArtifactSettings()
        #expect(settings.directory(environment: ["XDG_STATE_HOME": "state", "HOME": "/home/u"]) == "/home/u/.local/state/scorpio/artifacts")
        #expect(settings.directory(environment: ["XDG_STATE_HOME": "", "HOME": "/home/u"]) == "/home/u/.local/state/scorpio/artifacts")
    }

    @Test func aConfiguredDirectoryWinsAndARelativeOneIsBelowTheCurrentDirectory() throws {
        var settings = ArtifactSettings()
        settings.directory = "out/layers"
        #expect(settings.directory(environment: ["HOME": "/home/u"], currentDirectory: "/work/tree") == "/work/tree/out/layers")
        settings.directory = "/srv/layers"
        #expect(settings.directory(environment: ["HOME": "/home/u"], currentDirectory: "/work/tree") == "/srv/layers")
        let loaded = try ConfigLoader.parse(#"artifacts_dir = "/srv/ci/layers""#)
        #expect(loaded.config.artifacts.directory == "/srv/ci/layers")
        #expect(try ConfigLoader.parse(#"artifacts_dir = """#).config.artifacts.directory == nil, "empty is the default")
    }
}
