import CGit2
import Dicfuse
import ScorpioTestSupport
import Testing

/// libgit2 is linked for local repositories only: its network transports' needs are answered by
/// Scorpio's stubs (Sources/CGit2), so a process start parses no CA bundle (and loads no Kerberos or TLS
/// library: CLIBasicsTests).
struct LibGit2LinkTests {
    @Test func libgit2sCertificateLoadIsScorpiosNoOp() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        _ = try GitTreeSource(repository: repository.path.string)  // libgit2 is set up by now
        #expect(scorpio_git_ca_loads_skipped() >= 1, "libgit2 loaded its CA bundle through libmbedx509's own parser")
    }
}
