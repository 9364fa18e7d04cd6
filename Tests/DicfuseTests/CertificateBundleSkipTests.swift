import Dicfuse
import Glibc
import Testing

/// libgit2's set-up must bind its CA-bundle loads to Scorpio's no-op definitions, not to libmbedx509's
/// (which parse the whole system bundle at every process start).
struct CertificateBundleSkipTests {
    @Test(arguments: ["mbedtls_x509_crt_parse_file", "mbedtls_x509_crt_parse_path"])
    func theCertificateLoadsLibgit2CallsAreScorpios(_ name: String) throws {
        let library = try #require(dlopen("libmbedx509.so.1", RTLD_NOW | RTLD_NOLOAD), "libgit2's mbedTLS is not loaded")
        defer { dlclose(library) }
        let mbedtls = try #require(dlsym(library, name))
        let bound = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), name))
        #expect(bound != mbedtls, "\(name) is bound to libmbedx509's own")
    }
}
