// PID 1 of the sandbox: sets the sandbox up, starts the command, forwards SIGINT/SIGTERM/SIGHUP to it,
// reaps every orphan and exits with the command's status (128 + signal when it was killed). When it
// exits, the kernel kills whatever else is left in the PID namespace.
#define _GNU_SOURCE
#include "internal.h"
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t command_pid = 0;

static void forward_signal(int signal_number) {
    int saved = errno;
    if (command_pid > 0) kill((pid_t)command_pid, signal_number);
    errno = saved;
}

static void block_all_signals(void) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
}

static void unblock_all_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/// Default dispositions for every signal: the Swift process may ignore some (SIGPIPE).
static void reset_signal_dispositions(void) {
    struct sigaction defaults;
    memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    for (int signal_number = 1; signal_number < NSIG; signal_number++) {
        if (signal_number == SIGKILL || signal_number == SIGSTOP) continue;
        sigaction(signal_number, &defaults, NULL);  // glibc's reserved signals answer EINVAL: harmless
    }
}

static int install_forwarding(scorpio_failure *failure) {
    struct sigaction forwarding;
    memset(&forwarding, 0, sizeof forwarding);
    forwarding.sa_handler = forward_signal;
    forwarding.sa_flags = SA_RESTART;
    sigfillset(&forwarding.sa_mask);
    for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
        if (sigaction(forwarded_signals[i], &forwarding, NULL) != 0)
            return scorpio_failed(failure, "install signal forwarding", NULL);
    return 0;
}

static int die_with_parent(scorpio_failure *failure) {
    // Set after the identity change, which clears it.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return scorpio_failed(failure, "set parent death signal", NULL);
    return 0;
}

static int enter_working_directory(const scorpio_sandbox_spec *spec, scorpio_failure *failure) {
    const char *directory = spec->working_directory != NULL ? spec->working_directory : "/";
    if (chdir(directory) != 0) return scorpio_failed(failure, "chdir", directory);
    return 0;
}

static int forbid_new_privileges(scorpio_failure *failure) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return scorpio_failed(failure, "set no_new_privs", NULL);
    return 0;
}

/// Every step before the command starts, in order. The filter covers init too, so the job cannot use
/// it (by ptrace) to do what the filter forbids.
static int prepare_sandbox(const scorpio_sandbox_spec *spec, scorpio_failure *failure) {
    reset_signal_dispositions();
    if (scorpio_mounts_apply(spec, failure) != 0) return -1;
    if (spec->private_network && scorpio_loopback_up(failure) != 0) return -1;
    if (scorpio_capabilities_limit(spec, failure) != 0) return -1;
    if (scorpio_identity_apply(spec, failure) != 0) return -1;
    if (die_with_parent(failure) != 0) return -1;
    if (enter_working_directory(spec, failure) != 0) return -1;
    if (install_forwarding(failure) != 0) return -1;
    if (forbid_new_privileges(failure) != 0) return -1;
    return scorpio_seccomp_install(spec->seccomp, failure);
}

static int exec_failure_status(int error) {
    return (error == ENOENT || error == ENOTDIR) ? SCORPIO_SANDBOX_NOT_FOUND : SCORPIO_SANDBOX_NOT_EXECUTABLE;
}

/// The command gets the soft limit on open files its caller had, whatever its server raised it to.
static void restore_open_files_limit(uint64_t limit) {
    struct rlimit current;
    if (limit == 0 || getrlimit(RLIMIT_NOFILE, &current) != 0) return;
    current.rlim_cur = limit < current.rlim_max ? limit : current.rlim_max;
    setrlimit(RLIMIT_NOFILE, &current);
}

/// The command's process (a vfork child): default signals, the spec's environment, execve. Never returns.
static _Noreturn void exec_command(const scorpio_sandbox_spec *spec, int report_fd) {
    reset_signal_dispositions();
    unblock_all_signals();
    restore_open_files_limit(spec->open_files_limit);
    environ = (char **)spec->envp;  // execvpe looks PATH up in environ
    execvpe(spec->argv[0], (char *const *)spec->argv, (char *const *)spec->envp);
    scorpio_failure failure;
    scorpio_failed(&failure, "exec", spec->argv[0]);
    scorpio_report(report_fd, &failure);
    _exit(exec_failure_status(failure.error));
}

static int status_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return SCORPIO_SANDBOX_SETUP_FAILED;
}

/// Reaps every child until the command exits; returns its status.
static int reap_until_command_exits(pid_t command) {
    for (;;) {
        int wait_status = 0;
        pid_t reaped = waitpid(-1, &wait_status, 0);
        if (reaped < 0 && errno == EINTR) continue;
        if (reaped < 0) return SCORPIO_SANDBOX_SETUP_FAILED;  // ECHILD: cannot happen while the command lives
        if (reaped == command) return status_of(wait_status);
    }
}

/// Blocks until the parent closes its end (after writing the id maps); -1 when there is no user namespace.
static void await_id_maps(int maps_written_fd) {
    if (maps_written_fd < 0) return;
    char byte;
    while (read(maps_written_fd, &byte, 1) < 0 && errno == EINTR) {}
    close(maps_written_fd);
}

_Noreturn void scorpio_init_main(const scorpio_sandbox_spec *spec, int report_fd, int maps_written_fd) {
    block_all_signals();
    await_id_maps(maps_written_fd);
    scorpio_failure failure = {0};
    if (prepare_sandbox(spec, &failure) != 0) {
        scorpio_report(report_fd, &failure);
        _exit(SCORPIO_SANDBOX_SETUP_FAILED);
    }
    // vfork: the command's process borrows init's memory until its execve instead of copying init's
    // page tables (a copy of the whole Swift process's) only to drop them. It touches no shared state
    // but environ, which init no longer reads.
    pid_t command = vfork();
    if (command < 0) {
        scorpio_failed(&failure, "start command", spec->argv[0]);
        scorpio_report(report_fd, &failure);
        _exit(SCORPIO_SANDBOX_SETUP_FAILED);
    }
    if (command == 0) exec_command(spec, report_fd);
    close(report_fd);
    command_pid = command;
    unblock_all_signals();
    _exit(reap_until_command_exits(command));
}
