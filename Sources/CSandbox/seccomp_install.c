// Loading a program compiled in the parent: no libseccomp (and no allocation) in the child.
#define _GNU_SOURCE
#include "internal.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

int scorpio_seccomp_install(const scorpio_seccomp_program *program, scorpio_failure *failure) {
    if (program == NULL) return 0;
    struct sock_fprog filter = {
        .len = (unsigned short)program->instruction_count,
        .filter = (struct sock_filter *)program->instructions,
    };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) != 0)
        return scorpio_failed(failure, "seccomp load", NULL);
    return 0;
}
