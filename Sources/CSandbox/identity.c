// Dropping to the spec's uid and gid: supplementary groups first, then gid, then uid.
//
// Raw system calls: glibc's wrappers in a process it believes multithreaded (the Swift parent) signal
// every other thread to change theirs too, through thread lists and locks copied from the parent.
#define _GNU_SOURCE
#include "internal.h"
#include <sys/syscall.h>
#include <unistd.h>

int scorpio_identity_apply(const scorpio_sandbox_spec *spec, scorpio_failure *failure) {
    if (!spec->change_identity) return 0;
    if (syscall(SYS_setgroups, 0, NULL) != 0) return scorpio_failed(failure, "setgroups", NULL);
    if (syscall(SYS_setresgid, spec->gid, spec->gid, spec->gid) != 0) return scorpio_failed(failure, "setgid", NULL);
    if (syscall(SYS_setresuid, spec->uid, spec->uid, spec->uid) != 0) return scorpio_failed(failure, "setuid", NULL);
    return 0;
}
