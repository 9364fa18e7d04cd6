import Synchronization

// Scorpio opens git repositories on local disk only; it never opens a libgit2 transport (no fetch,
// clone or push). Debian's libgit2 is built with mbedTLS, and its `git_libgit2_init` still parses the
// system's whole CA bundle for HTTPS remotes: about 10 ms of every process that reads a repository,
// `scorpio run` included. libgit2 is linked in from its static archive (Sources/CGit2), so the linker
// binds its calls to these definitions rather than to libmbedx509's, and no bundle is parsed. Were a
// libgit2 TLS connection ever made, it would trust no certificate and fail verification: closed, not
// open.

/// How many CA loads libgit2 asked for in this process, each skipped.
package enum CertificateBundleSkip {
    static let loadsSkipped = Atomic<Int>(0)

    package static var skippedLoads: Int { loadsSkipped.load(ordering: .relaxed) }
}

/// libgit2's load of a CA file: nothing is loaded.
@_cdecl("mbedtls_x509_crt_parse_file")
public func mbedtlsX509CertificateParseFileSkipped(_ chain: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    CertificateBundleSkip.loadsSkipped.add(1, ordering: .relaxed)
    return 0
}

/// libgit2's load of a CA directory: nothing is loaded.
@_cdecl("mbedtls_x509_crt_parse_path")
public func mbedtlsX509CertificateParsePathSkipped(_ chain: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    CertificateBundleSkip.loadsSkipped.add(1, ordering: .relaxed)
    return 0
}
