// The parent side: one clone(2) into new namespaces; everything else happens in the child. With a user
// namespace, the child waits on a pipe until the parent has written its uid and gid maps.
#define _GNU_SOURCE
#include "internal.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t scorpio_raw_clone(unsigned long flags) {
    // A NULL stack makes the child continue on a copy of the caller's stack, as after fork(2).
    return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
}

static int write_file(const char *path, const char *content) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t length = strlen(content);
    ssize_t written = write(fd, content, length);
    int error = written == (ssize_t)length ? 0 : (written < 0 ? errno : EIO);
    close(fd);
    return error;
}

static int write_id_maps(pid_t child, const scorpio_sandbox_spec *spec) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
    int error = write_file(path, spec->uid_map);
    if (error != 0) return error;
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
    return write_file(path, spec->gid_map != NULL ? spec->gid_map : spec->uid_map);
}

static void close_pair(int pair[2]) {
    if (pair[0] >= 0) close(pair[0]);
    if (pair[1] >= 0) close(pair[1]);
}

int scorpio_sandbox_spawn(const scorpio_sandbox_spec *spec, pid_t *init_pid, int *report_fd) {
    if (spec == NULL || spec->argv == NULL || spec->argv[0] == NULL || spec->envp == NULL) return EINVAL;
    int report[2] = {-1, -1};
    int maps_written[2] = {-1, -1};
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    if (spec->uid_map != NULL && pipe2(maps_written, O_CLOEXEC) != 0) {
        int error = errno;
        close_pair(report);
        return error;
    }
    unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | SIGCHLD;
    if (spec->private_network) flags |= CLONE_NEWNET;
    if (spec->uid_map != NULL) flags |= CLONE_NEWUSER;
    pid_t child = scorpio_raw_clone(flags);
    if (child < 0) {
        int error = errno;
        close_pair(report);
        close_pair(maps_written);
        return error;
    }
    if (child == 0) {
        close(report[0]);
        if (maps_written[1] >= 0) close(maps_written[1]);
        scorpio_init_main(spec, report[1], maps_written[0]);
    }
    close(report[1]);
    if (maps_written[0] >= 0) close(maps_written[0]);
    if (spec->uid_map != NULL) {
        int error = write_id_maps(child, spec);
        if (error != 0) {
            kill(child, SIGKILL);
            while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
            close(report[0]);
            close(maps_written[1]);
            return error;
        }
        close(maps_written[1]);  // EOF: the child may go on
    }
    *init_pid = child;
    *report_fd = report[0];
    return 0;
}
