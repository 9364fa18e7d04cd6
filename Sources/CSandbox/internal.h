#ifndef SCORPIO_CSANDBOX_INTERNAL_H
#define SCORPIO_CSANDBOX_INTERNAL_H
// Shared by the child-side steps. Nothing here allocates: the child of a multithreaded process may
// find any lock (malloc's included) held by a thread that does not exist in it.

#include "csandbox.h"
#include <errno.h>

/// The step that failed, its subject (a path, or NULL) and errno.
typedef struct scorpio_failure {
    const char *step;
    const char *subject;
    int error;
} scorpio_failure;

/// Records a failed step with the current errno; returns -1 for `return scorpio_failed(...)`.
static inline int scorpio_failed(scorpio_failure *failure, const char *step, const char *subject) {
    failure->step = step;
    failure->subject = subject;
    failure->error = errno;
    return -1;
}

/// fork() without glibc's atfork handlers and locks: a clone(2) sharing nothing, on a copy of the stack.
pid_t scorpio_raw_clone(unsigned long flags);

enum { SCORPIO_DEVICE_COUNT = 6 };
/// The host's device nodes kept in a minimal /dev, cloned before the host turns read-only.
typedef struct scorpio_device_trees {
    int fds[SCORPIO_DEVICE_COUNT];
    /// The caller's terminal (a host pts), shown as /dev/console as container runtimes do; -1 without one.
    int console_fd;
} scorpio_device_trees;
int scorpio_devices_detach(scorpio_device_trees *trees, scorpio_failure *failure);
int scorpio_devices_attach(const scorpio_device_trees *trees, scorpio_failure *failure);

int scorpio_mounts_apply(const scorpio_sandbox_spec *spec, scorpio_failure *failure);
int scorpio_loopback_up(scorpio_failure *failure);
int scorpio_capabilities_limit(const scorpio_sandbox_spec *spec, scorpio_failure *failure);
int scorpio_identity_apply(const scorpio_sandbox_spec *spec, scorpio_failure *failure);
int scorpio_seccomp_install(const scorpio_seccomp_program *program, scorpio_failure *failure);

/// Writes "step subject: error text" to the report pipe (best effort).
void scorpio_report(int report_fd, const scorpio_failure *failure);

/// PID 1 of the sandbox: never returns. `maps_written_fd` (or -1) reaches EOF once the parent has
/// written the user namespace's id maps.
_Noreturn void scorpio_init_main(const scorpio_sandbox_spec *spec, int report_fd, int maps_written_fd);

#endif
