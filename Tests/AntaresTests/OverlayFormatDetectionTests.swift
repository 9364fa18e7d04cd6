@testable import Antares
import CSyscalls
import Foundation
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite struct OverlayFormatDetectionTests {
    /// The probe is an xattr set on the directory and removed again: nothing is made in it, and nothing
    /// of the probe stays on it.
    @Test(.enabled(if: geteuid() == 0, "needs root to set trusted xattrs"))
    func rootGetsTrustedXattrsAndTheDirectoryIsLeftAsItWas() throws {
        try withTemporaryDirectory { directory in
            let upper = directory.appending("upper")
            #expect(mkdir(upper.string, 0o755) == 0)
            #expect(OverlayFormat.detect(for: upper) == .trusted)
            let entries = try FileManager.default.contentsOfDirectory(atPath: upper.string)
            #expect(entries.isEmpty, "nothing made in it")
            #expect(llistxattr(upper.string, nil as UnsafeMutablePointer<CChar>?, 0) == 0, "no xattr left on the directory")
        }
    }

    /// A directory not made yet is taken to hold what the process may set: trusted xattrs for root.
    @Test func aMissingDirectoryGoesByThePrivilege() {
        #expect(OverlayFormat.detect(for: "/nonexistent/upper") == (geteuid() == 0 ? .trusted : .user))
    }
}
