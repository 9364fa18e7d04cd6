// Rules → libseccomp → classic BPF, in the parent process.
#define _GNU_SOURCE
#include "internal.h"
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *message, size_t capacity, int error, const char *step, const char *subject) {
    snprintf(message, capacity, "%s%s%s: %s", step, subject ? " " : "", subject ? subject : "", strerror(error));
    return error;
}

static int add_rule(scmp_filter_ctx filter, uint32_t default_action, const scorpio_seccomp_rule *rule,
                    size_t *skipped) {
    int number = seccomp_syscall_resolve_name(rule->syscall);
    if (number == __NR_SCMP_ERROR) {
        (*skipped)++;  // not a system call of this architecture, as Docker does
        return 0;
    }
    if (rule->action == default_action && rule->condition_count == 0) return 0;
    if (rule->condition_count > 6) return -EINVAL;
    struct scmp_arg_cmp comparisons[6];
    for (size_t i = 0; i < rule->condition_count; i++) {
        comparisons[i] = (struct scmp_arg_cmp){
            .arg = rule->conditions[i].index,
            .op = (enum scmp_compare)rule->conditions[i].op,
            .datum_a = rule->conditions[i].value,
            .datum_b = rule->conditions[i].value_two,
        };
    }
    int added = seccomp_rule_add_array(filter, rule->action, number, (unsigned)rule->condition_count, comparisons);
    // libseccomp refuses a rule whose action is the default one; it changes nothing.
    return added == -EACCES ? 0 : added;
}

static int export_program(scmp_filter_ctx filter, scorpio_seccomp_program *program, char *message, size_t capacity) {
    int fd = memfd_create("scorpio-seccomp", MFD_CLOEXEC);
    if (fd < 0) return fail(message, capacity, errno, "seccomp export", "memfd_create");
    int exported = seccomp_export_bpf(filter, fd);
    struct stat status;
    if (exported != 0 || fstat(fd, &status) != 0 || status.st_size <= 0) {
        int error = exported != 0 ? -exported : errno;
        close(fd);
        return fail(message, capacity, error ? error : EIO, "seccomp export", NULL);
    }
    void *bytes = malloc((size_t)status.st_size);
    ssize_t got = bytes ? pread(fd, bytes, (size_t)status.st_size, 0) : -1;
    close(fd);
    if (got != status.st_size) {
        free(bytes);
        return fail(message, capacity, EIO, "seccomp export", "read");
    }
    program->instructions = bytes;
    program->instruction_count = (size_t)status.st_size / 8;  // sizeof(struct sock_filter)
    return 0;
}

int scorpio_seccomp_compile(uint32_t default_action, const scorpio_seccomp_rule *rules, size_t rule_count,
                            scorpio_seccomp_program *program, char *message, size_t message_capacity) {
    memset(program, 0, sizeof *program);
    scmp_filter_ctx filter = seccomp_init(default_action);
    if (filter == NULL) return fail(message, message_capacity, EINVAL, "seccomp init", "default action");
    // The child sets no_new_privs itself, before loading.
    seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, 0);
    size_t skipped = 0;
    for (size_t i = 0; i < rule_count; i++) {
        int added = add_rule(filter, default_action, &rules[i], &skipped);
        if (added != 0) {
            seccomp_release(filter);
            return fail(message, message_capacity, -added, "seccomp rule", rules[i].syscall);
        }
    }
    int exported = export_program(filter, program, message, message_capacity);
    seccomp_release(filter);
    program->skipped_rules = skipped;
    return exported;
}

void scorpio_seccomp_program_free(scorpio_seccomp_program *program) {
    free(program->instructions);
    program->instructions = NULL;
    program->instruction_count = 0;
}
