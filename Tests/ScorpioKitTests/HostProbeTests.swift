import ScorpioKit
import SystemPackage
import Testing
import ScorpioTestSupport

@Suite("Host probes in a fresh scorpio process")
struct HostProbeTests {
    @Test func ordinaryArgumentsAreNotAProbe() {
        #expect(HostProbe.runIfRequested(arguments: ["scorpio", "doctor"]) == nil)
        #expect(HostProbe.runIfRequested(arguments: ["scorpio"]) == nil)
    }

    @Test("probes succeed on this host", .enabled(if: TestHost.isRoot, "namespaces and overlay mounts need root here"),
          arguments: [HostProbe.mountNamespace, .userNamespace, .seccompFilter])
    func probeSucceeds(probe: HostProbe) throws {
        let executable = try #require(TestHost.scorpioExecutable, "the scorpio binary should be built beside the tests")
        let outcome = HostProbeLauncher(executable: executable).run(probe)
        #expect(outcome.succeeded, "\(outcome.detail)")
        #expect(!outcome.detail.isEmpty)
    }

    @Test func overlayProbeWithoutScratchDirectoryFails() throws {
        let executable = try #require(TestHost.scorpioExecutable, "the scorpio binary should be built beside the tests")
        let outcome = HostProbeLauncher(executable: executable).run(.overlayMount)  // without its scratch directory
        #expect(!outcome.succeeded)
        #expect(outcome.detail.contains("scratch directory"))
    }

    @Test func missingExecutableIsReported() {
        let outcome = HostProbeLauncher(executable: "/nonexistent/scorpio").run(.seccompFilter)
        #expect(!outcome.succeeded)
        #expect(outcome.detail.contains("/nonexistent/scorpio"))
    }
}
