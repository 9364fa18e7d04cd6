#ifndef SCORPIO_CSANDBOX_H
#define SCORPIO_CSANDBOX_H
// The job sandbox's child side, in C: everything between clone and execve happens here, because a
// multithreaded Swift process must not run Swift code in a forked child. Swift builds the spec and
// compiles the seccomp program; this code only applies them.

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// Exit statuses of the sandbox's init when the command did not run (the `env`/`docker run` convention).
enum {
    SCORPIO_SANDBOX_SETUP_FAILED = 125,
    SCORPIO_SANDBOX_NOT_EXECUTABLE = 126,
    SCORPIO_SANDBOX_NOT_FOUND = 127,
};

/// One comparison on a system call argument; `op` is libseccomp's `enum scmp_compare`.
typedef struct scorpio_seccomp_condition {
    uint32_t index;
    uint32_t op;
    uint64_t value;
    uint64_t value_two;
} scorpio_seccomp_condition;

/// One system call and the action taken when all its conditions hold; `action` is a libseccomp
/// action value (SCMP_ACT_*).
typedef struct scorpio_seccomp_rule {
    const char *syscall;
    uint32_t action;
    const scorpio_seccomp_condition *conditions;
    size_t condition_count;
} scorpio_seccomp_rule;

/// A compiled classic-BPF seccomp program, ready for PR_SET_SECCOMP.
typedef struct scorpio_seccomp_program {
    void *instructions;      // struct sock_filter[]
    size_t instruction_count;
    size_t skipped_rules;    // system calls this architecture does not know
} scorpio_seccomp_program;

/// Compiles rules with libseccomp, in the parent (libseccomp allocates; the child must not).
/// Returns 0, or an errno value with a message describing the failing step.
int scorpio_seccomp_compile(uint32_t default_action, const scorpio_seccomp_rule *rules, size_t rule_count,
                            scorpio_seccomp_program *program, char *message, size_t message_capacity);
void scorpio_seccomp_program_free(scorpio_seccomp_program *program);

/// What the child applies, in this order: namespaces, mounts, loopback, capabilities, identity, working directory,
/// no_new_privs, seccomp, execve. Every path is absolute; arrays of strings end with NULL.
typedef struct scorpio_sandbox_spec {
    const char *const *argv;             // argv[0] is the command, looked up in envp's PATH
    const char *const *envp;
    const char *workspace_source;        // NULL: no workspace bind
    const char *workspace_target;
    const char *working_directory;
    const char *const *writable_paths;   // bound read-write at the same path
    int private_tmp;                     // a fresh tmpfs at /tmp (and /dev/shm)
    int minimal_dev;                     // a tmpfs /dev with null, zero, full, random, urandom, tty,
                                         //   a new devpts and /dev/shm; 0 keeps the host's, read-only
    int private_network;                 // a new network namespace with only `lo`, up
    const char *uid_map;                 // non-NULL: a new user namespace with these /proc/PID/uid_map
    const char *gid_map;                 //   and gid_map lines ("inside outside count\n" ...)
    int change_identity;                 // setgroups({}), setgid(gid), setuid(uid)
    uid_t uid;
    gid_t gid;
    int limit_capabilities;              // keep only `capabilities` (bit n = capability n), bounding set
    uint64_t capabilities;               //   included; applied before the identity change
    const scorpio_seccomp_program *seccomp; // NULL: no filter
    uint64_t open_files_limit;           // the command's soft RLIMIT_NOFILE; 0 keeps this process's
} scorpio_sandbox_spec;

/// Clones the sandbox's init (PID 1 of new mount + PID (+ network) namespaces), which sets the
/// sandbox up, starts the command and reaps until it exits. On return `*init_pid` is the child to
/// wait for and `*report_fd` the read end of the report pipe: EOF without data means the command was
/// executed; otherwise it carries "step: error text" and the child exits 125, 126 or 127.
/// Returns 0 or an errno value (nothing was started).
int scorpio_sandbox_spawn(const scorpio_sandbox_spec *spec, pid_t *init_pid, int *report_fd);

/// While at least one sandbox is registered, SIGINT, SIGTERM and SIGHUP sent to this process are
/// forwarded to every registered sandbox init; a second SIGINT sends SIGKILL instead. The previous
/// handlers come back when the last one is removed. `add` returns 0 or ENOSPC (256 at most).
int scorpio_signal_forwarding_add(pid_t init_pid);
void scorpio_signal_forwarding_remove(pid_t init_pid);
/// What receiving `signal_number` does to one registered sandbox (for tests).
void scorpio_signal_forwarding_deliver(int signal_number, pid_t init_pid);

#endif
