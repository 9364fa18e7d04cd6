import Dicfuse
import ScorpioTestSupport
import Testing

/// libgit2's set-up must bind its CA-bundle load to Scorpio's no-op definitions, not to libmbedx509's
/// (which parse the whole system bundle at every process start).
struct CertificateBundleSkipTests {
    @Test func libgit2sCertificateLoadIsScorpiosNoOp() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        _ = try GitTreeSource(repository: repository.path.string)  // libgit2 is set up by now
        #expect(CertificateBundleSkip.skippedLoads >= 1, "libgit2 loaded its CA bundle through libmbedx509's own parser")
    }
}
