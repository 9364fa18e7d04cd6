// Capabilities: the bounding set cut down to the spec's mask (so no execve can get more back), then the
// process's own effective, permitted and inheritable sets. Raw capset(2): libcap is not linked.
#define _GNU_SOURCE
#include "internal.h"
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int drop_bounding_set(uint64_t keep, scorpio_failure *failure) {
    for (int capability = 0; capability < 64; capability++) {
        if (keep & (UINT64_C(1) << capability)) continue;
        if (prctl(PR_CAPBSET_READ, capability, 0, 0, 0) < 0) break;  // past the kernel's last capability
        if (prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0)
            return scorpio_failed(failure, "drop capability from bounding set", NULL);
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return scorpio_failed(failure, "clear ambient capabilities", NULL);
    return 0;
}

static int limit_own_capabilities(uint64_t keep, scorpio_failure *failure) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return scorpio_failed(failure, "capget", NULL);
    for (int i = 0; i < 2; i++) {
        uint32_t mask = (uint32_t)(keep >> (32 * i));
        data[i].effective &= mask;
        data[i].permitted &= mask;
        data[i].inheritable &= mask;
    }
    if (syscall(SYS_capset, &header, data) != 0) return scorpio_failed(failure, "capset", NULL);
    return 0;
}

int scorpio_capabilities_limit(const scorpio_sandbox_spec *spec, scorpio_failure *failure) {
    if (!spec->limit_capabilities) return 0;
    if (drop_bounding_set(spec->capabilities, failure) != 0) return -1;
    return limit_own_capabilities(spec->capabilities, failure);
}
