// A minimal /dev, as bubblewrap's --dev: a tmpfs holding the host's harmless character devices (bound
// one by one), a private devpts instance, /dev/shm and the /proc/self/fd links. No disks, no /dev/kvm.
// The caller's terminal, a node of the host's devpts, is bound at /dev/console so that ttyname(3) finds it.
#define _GNU_SOURCE
#include "internal.h"
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const device_names[SCORPIO_DEVICE_COUNT] = {"null", "zero", "full", "random", "urandom", "tty"};

static const char *const device_links[][2] = {
    {"pts/ptmx", "/dev/ptmx"}, {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
};

/// The host pts that standard input, output or error is, or -1. Only readlink: no allocation after clone.
static int clone_terminal(void) {
    for (int fd = 0; fd <= 2; fd++) {
        if (!isatty(fd)) continue;
        char link[32], target[64];
        strcpy(link, "/proc/self/fd/");
        link[14] = (char)('0' + fd);
        link[15] = '\0';
        ssize_t length = readlink(link, target, sizeof target - 1);
        if (length <= 0) continue;
        target[length] = '\0';
        if (strncmp(target, "/dev/pts/", 9) != 0) continue;
        return open_tree(AT_FDCWD, target, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    }
    return -1;
}

int scorpio_devices_detach(scorpio_device_trees *trees, scorpio_failure *failure) {
    char path[32];
    trees->console_fd = clone_terminal();
    for (int i = 0; i < SCORPIO_DEVICE_COUNT; i++) {
        strcpy(path, "/dev/");
        strcat(path, device_names[i]);
        trees->fds[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (trees->fds[i] < 0) return scorpio_failed(failure, "clone device", device_names[i]);
    }
    return 0;
}

static int attach_device(int fd, const char *name, scorpio_failure *failure) {
    char path[32];
    strcpy(path, "/dev/");
    strcat(path, name);
    int created = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (created < 0) return scorpio_failed(failure, "create device mount point", name);
    close(created);
    if (move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) != 0)
        return scorpio_failed(failure, "bind device", name);
    close(fd);
    return 0;
}

static int make_directory(const char *path, mode_t mode, scorpio_failure *failure) {
    if (mkdir(path, mode) != 0) return scorpio_failed(failure, "create directory", path);
    if (chmod(path, mode) != 0) return scorpio_failed(failure, "chmod", path);  // past the umask
    return 0;
}

int scorpio_devices_attach(const scorpio_device_trees *trees, scorpio_failure *failure) {
    if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") != 0)
        return scorpio_failed(failure, "mount /dev tmpfs", "/dev");
    for (int i = 0; i < SCORPIO_DEVICE_COUNT; i++)
        if (attach_device(trees->fds[i], device_names[i], failure) != 0) return -1;
    if (trees->console_fd >= 0 && attach_device(trees->console_fd, "console", failure) != 0) return -1;
    if (make_directory("/dev/pts", 0755, failure) != 0) return -1;
    if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") != 0)
        return scorpio_failed(failure, "mount devpts", "/dev/pts");
    if (make_directory("/dev/shm", 01777, failure) != 0) return -1;
    if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
        return scorpio_failed(failure, "mount private tmpfs", "/dev/shm");
    for (size_t i = 0; i < sizeof device_links / sizeof device_links[0]; i++)
        if (symlink(device_links[i][0], device_links[i][1]) != 0)
            return scorpio_failed(failure, "create device link", device_links[i][1]);
    return 0;
}
