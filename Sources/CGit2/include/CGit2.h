#ifndef SCORPIO_CGIT2_H
#define SCORPIO_CGIT2_H
#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: its integer options through a fixed signature. */
static inline int scorpio_git_set_integer_option(git_libgit2_opt_t option, int value) {
    return git_libgit2_opts(option, value);
}

/* How many CA loads (file or directory) libgit2 asked for in this process, each skipped. */
long scorpio_git_ca_loads_skipped(void);

/* How many times TLS was set up in this process: at the first TLS stream, not at git_libgit2_init. */
long scorpio_git_tls_setups(void);

#endif
