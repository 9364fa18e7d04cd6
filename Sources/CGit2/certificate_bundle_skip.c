/*
 * Scorpio opens git repositories on local disk only; it never opens a libgit2 transport (no fetch,
 * clone or push). Debian's libgit2 is built with mbedTLS, and its TLS set-up (at the first TLS stream,
 * transport_setup_deferral.c; it was every git_libgit2_init) parses the system's whole CA bundle for
 * HTTPS remotes: about 10 ms.
 * The link wraps libgit2's two CA loads (--wrap, Package.swift) to these, and no bundle is parsed.
 * Were a libgit2 TLS connection ever made, it would trust no certificate and fail verification:
 * closed, not open.
 */
#include "CGit2.h"
#include <stdatomic.h>

static atomic_long loads_skipped;

long scorpio_git_ca_loads_skipped(void) { return atomic_load(&loads_skipped); }

int __wrap_mbedtls_x509_crt_parse_file(void *chain, const char *path) {
    (void)chain, (void)path;
    atomic_fetch_add(&loads_skipped, 1);
    return 0;
}

int __wrap_mbedtls_x509_crt_parse_path(void *chain, const char *path) {
    (void)chain, (void)path;
    atomic_fetch_add(&loads_skipped, 1);
    return 0;
}
