// The mount namespace: private propagation, the host read-only, a minimal /dev, a private /tmp, the workspace and the
// writable paths bound read-write, and a /proc for the new PID namespace.
//
// The read-write trees are cloned (open_tree) before anything is made read-only or hidden, and attached
// (move_mount) afterwards: so a workspace under /tmp stays reachable under a private /tmp, and the
// recursive read-only flag never reaches them.
#define _GNU_SOURCE
#include "internal.h"
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_TREES = 65 };

typedef struct detached_tree {
    int fd;
    const char *target;
    int is_directory;
} detached_tree;

static int make_mounts_private(scorpio_failure *failure) {
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return scorpio_failed(failure, "make mounts private", "/");
    return 0;
}

static int detach_tree(const char *source, const char *target, detached_tree *tree, scorpio_failure *failure) {
    int fd = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (fd < 0) return scorpio_failed(failure, "clone bind source", source);
    struct stat status;
    if (fstat(fd, &status) != 0) {
        scorpio_failed(failure, "stat bind source", source);
        close(fd);
        return -1;
    }
    *tree = (detached_tree){.fd = fd, .target = target, .is_directory = S_ISDIR(status.st_mode)};
    return 0;
}

/// The workspace first, then every writable path (bound at its own path). Returns the count or -1.
static int detach_trees(const scorpio_sandbox_spec *spec, detached_tree *trees, scorpio_failure *failure) {
    int count = 0;
    if (spec->workspace_source != NULL) {
        if (detach_tree(spec->workspace_source, spec->workspace_target, &trees[count], failure) != 0) return -1;
        count++;
    }
    for (const char *const *path = spec->writable_paths; path != NULL && *path != NULL; path++) {
        if (count == MAX_TREES) {
            errno = E2BIG;
            return scorpio_failed(failure, "too many writable paths", *path);
        }
        if (detach_tree(*path, *path, &trees[count], failure) != 0) return -1;
        count++;
    }
    return count;
}

static int make_host_readonly(scorpio_failure *failure) {
    struct mount_attr attributes = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &attributes, sizeof attributes) != 0)
        return scorpio_failed(failure, "make host read-only", "/");
    return 0;
}

static int mount_tmpfs(const char *path, scorpio_failure *failure) {
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
        return scorpio_failed(failure, "mount private tmpfs", path);
    return 0;
}

static int mount_private_tmp(int minimal_dev, scorpio_failure *failure) {
    if (mount_tmpfs("/tmp", failure) != 0) return -1;
    if (minimal_dev) return 0;  // the minimal /dev has its own /dev/shm
    struct stat status;
    if (stat("/dev/shm", &status) == 0 && S_ISDIR(status.st_mode)) return mount_tmpfs("/dev/shm", failure);
    return 0;
}

/// mkdir -p of every parent of `path`.
static int make_parents(const char *path, scorpio_failure *failure) {
    char buffer[PATH_MAX];
    size_t length = strlen(path);
    if (length >= sizeof buffer) {
        errno = ENAMETOOLONG;
        return scorpio_failed(failure, "create mount point", path);
    }
    memcpy(buffer, path, length + 1);
    for (size_t i = 1; i < length; i++) {
        if (buffer[i] != '/') continue;
        buffer[i] = '\0';
        if (mkdir(buffer, 0755) != 0 && errno != EEXIST) return scorpio_failed(failure, "create mount point", path);
        buffer[i] = '/';
    }
    return 0;
}

static int ensure_mount_point(const detached_tree *tree, scorpio_failure *failure) {
    struct stat status;
    if (stat(tree->target, &status) == 0) return 0;
    if (make_parents(tree->target, failure) != 0) return -1;
    if (tree->is_directory) {
        if (mkdir(tree->target, 0755) != 0 && errno != EEXIST)
            return scorpio_failed(failure, "create mount point", tree->target);
        return 0;
    }
    int fd = open(tree->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return scorpio_failed(failure, "create mount point", tree->target);
    close(fd);
    return 0;
}

static int attach_tree(const detached_tree *tree, scorpio_failure *failure) {
    if (ensure_mount_point(tree, failure) != 0) return -1;
    if (move_mount(tree->fd, "", AT_FDCWD, tree->target, MOVE_MOUNT_F_EMPTY_PATH) != 0)
        return scorpio_failed(failure, "bind read-write", tree->target);
    close(tree->fd);
    return 0;
}

static int mount_proc(scorpio_failure *failure) {
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        return scorpio_failed(failure, "mount proc", "/proc");
    return 0;
}

int scorpio_mounts_apply(const scorpio_sandbox_spec *spec, scorpio_failure *failure) {
    detached_tree trees[MAX_TREES];
    scorpio_device_trees devices;
    if (make_mounts_private(failure) != 0) return -1;
    int count = detach_trees(spec, trees, failure);
    if (count < 0) return -1;
    if (spec->minimal_dev && scorpio_devices_detach(&devices, failure) != 0) return -1;
    if (make_host_readonly(failure) != 0) return -1;
    if (spec->minimal_dev && scorpio_devices_attach(&devices, failure) != 0) return -1;
    if (spec->private_tmp && mount_private_tmp(spec->minimal_dev, failure) != 0) return -1;
    for (int i = 0; i < count; i++)
        if (attach_tree(&trees[i], failure) != 0) return -1;
    return mount_proc(failure);
}
