/*
 * Debian's libgit2 sets up both of its network transports in every git_libgit2_init: mbedTLS for HTTPS
 * (an entropy pool seeded by HAVEGE's timing loops, a random generator, a TLS configuration) and
 * libssh2 over OpenSSL for SSH. That is 2.4M instructions, nearly all of libgit2's set-up, in every
 * process that reads a repository, for transports Scorpio does not open (it reads local repositories).
 * The link wraps both set-ups (--wrap, Package.swift): TLS is set up by the first TLS stream instead,
 * and libssh2 by its first session (libssh2 initializes itself when a session starts). Nothing is
 * refused; it is only deferred.
 */
#include "CGit2.h"
#include <pthread.h>
#include <stdatomic.h>

int __real_git_mbedtls_stream_global_init(void);
int __real_git_mbedtls_stream_new(void **out, const char *host, const char *port);
int __real_git_mbedtls_stream_wrap(void **out, void *in, const char *host);

static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_status;
static atomic_long tls_setups;

long scorpio_git_tls_setups(void) { return atomic_load(&tls_setups); }

static void set_up_tls(void) {
    atomic_fetch_add(&tls_setups, 1);
    tls_status = __real_git_mbedtls_stream_global_init();
}

/* TLS set up once, by whichever stream comes first: libgit2's set-up status. */
static int tls_ready(void) {
    pthread_once(&tls_once, set_up_tls);
    return tls_status;
}

int __wrap_git_mbedtls_stream_global_init(void) { return 0; }

int __wrap_git_mbedtls_stream_new(void **out, const char *host, const char *port) {
    int status = tls_ready();
    return status < 0 ? status : __real_git_mbedtls_stream_new(out, host, port);
}

int __wrap_git_mbedtls_stream_wrap(void **out, void *in, const char *host) {
    int status = tls_ready();
    return status < 0 ? status : __real_git_mbedtls_stream_wrap(out, in, host);
}

/* libgit2's SSH set-up is this one call; libssh2_session_init_ex makes it when it is not done yet. */
int __wrap_libssh2_init(int flags) {
    (void)flags;
    return 0;
}
