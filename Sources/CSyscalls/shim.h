#ifndef SCORPIO_CSYSCALLS_SHIM_H
#define SCORPIO_CSYSCALLS_SHIM_H
// Linux calls that Swift's Glibc module leaves out (they sit behind _GNU_SOURCE or in headers it omits).
#include <sys/types.h>
#include <sys/xattr.h>

// utimensat(2)'s special nanosecond values (sys/stat.h defines them only under _GNU_SOURCE-like macros).
static const long scorpio_utime_now = (1l << 30) - 1l;
static const long scorpio_utime_omit = (1l << 30) - 2l;

// posix_spawn(3)'s POSIX_SPAWN_SETSID (a GNU extension): the child starts a new session.
static const short scorpio_posix_spawn_setsid = 0x80;

#include <spawn.h>
// glibc ≥ 2.34: the child closes every descriptor from `from` on.
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

// pipe(2) with flags (O_CLOEXEC: no child spawned meanwhile by another thread inherits the ends).
int pipe2(int fds[2], int flags);

// glibc ≥ 2.34: closes descriptors first…last.
int close_range(unsigned int first, unsigned int last, int flags);

// open(2)'s O_PATH (behind _GNU_SOURCE): a descriptor that only names a file, for the *at() calls.
static const int scorpio_o_path = 010000000;

// glibc ≥ 2.30: the calling thread's ID (setpriority(2) takes it: Linux gives each thread its own nice value).
pid_t gettid(void);

// malloc.h's malloc_trim(3): returns free heap pages to the system.
int malloc_trim(size_t pad);
// malloc.h's mallopt(3) and its M_ARENA_MAX: at most that many heaps, however many threads allocate.
int mallopt(int param, int value);
static const int scorpio_m_arena_max = -8;

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

// glibc ≥ 2.36 (sys/pidfd.h): a descriptor that polls readable once the process has exited.
int pidfd_open(pid_t pid, unsigned int flags);

// statfs(2) (sys/vfs.h): f_type names the filesystem, and a FUSE mount's server answers it uncached.
#include <sys/vfs.h>

// name_to_handle_at(2) and open_by_handle_at(2) (behind _GNU_SOURCE): a file handle is a
// `struct file_handle`, handle_bytes (in: the room, out: the size) and handle_type, then the bytes.
#include <sys/syscall.h>
#include <unistd.h>
static inline int scorpio_name_to_handle_at(int dirfd, const char *path, void *handle, int *mount_id, int flags) {
    return (int)syscall(SYS_name_to_handle_at, dirfd, path, handle, mount_id, flags);
}
static inline int scorpio_open_by_handle_at(int mount_fd, void *handle, int flags) {
    return (int)syscall(SYS_open_by_handle_at, mount_fd, handle, flags);
}

// syncfs(2): writes out the filesystem holding the descriptor's file.
int syncfs(int fd);

// statx(2) (behind _GNU_SOURCE) for the mount whose root `path` is: 1 with *id set, 0 when `path` is no
// mount's root, -1 when the call fails or the kernel cannot tell. AT_STATX_DONT_SYNC: no FUSE server is
// asked, the kernel answers from what it holds.
// (linux/fcntl.h's flags are spelled out: that header redefines glibc's O_* macros.)
#include <linux/stat.h>
static inline int scorpio_mount_root_id(const char *path, unsigned long long *id) {
    struct statx status;
    const int at_fdcwd = -100, at_symlink_nofollow = 0x100, at_no_automount = 0x800, at_statx_dont_sync = 0x4000;
    int flags = at_statx_dont_sync | at_symlink_nofollow | at_no_automount;
    if (syscall(SYS_statx, at_fdcwd, path, flags, STATX_MNT_ID, &status) != 0) return -1;
    if (!(status.stx_mask & STATX_MNT_ID) || !(status.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) return -1;
    if (!(status.stx_attributes & STATX_ATTR_MOUNT_ROOT)) return 0;
    *id = status.stx_mnt_id;
    return 1;
}

// statx(2)'s id of the mount holding `path` (its symlinks followed): 1 with *id set, -1 when the call
// fails or the kernel cannot tell.
static inline int scorpio_mount_id(const char *path, unsigned long long *id) {
    struct statx status;
    const int at_fdcwd = -100, at_no_automount = 0x800, at_statx_dont_sync = 0x4000;
    if (syscall(SYS_statx, at_fdcwd, path, at_statx_dont_sync | at_no_automount, STATX_MNT_ID, &status) != 0) return -1;
    if (!(status.stx_mask & STATX_MNT_ID)) return -1;
    *id = status.stx_mnt_id;
    return 1;
}
// sched_getcpu(3) (behind _GNU_SOURCE): the CPU the calling thread runs on.
int sched_getcpu(void);

#include <sys/syscall.h>
#include <unistd.h>
// Moves the calling thread onto the other CPUs it may run on than `cpu`; -1 (it stays) where it may
// run on no other. Raw calls: glibc declares cpu_set_t's calls only under _GNU_SOURCE.
static inline int scorpio_leave_cpu(int cpu) {
    unsigned long mask[16] = {0};
    const int bits = (int)(8 * sizeof *mask);
    if (cpu < 0 || cpu >= (int)(8 * sizeof mask)) return -1;
    if (syscall(SYS_sched_getaffinity, 0, sizeof mask, mask) <= 0) return -1;
    mask[cpu / bits] &= ~(1ul << (cpu % bits));
    unsigned long others = 0;
    for (unsigned i = 0; i < sizeof mask / sizeof *mask; i++) others |= mask[i];
    if (!others) return -1;
    return (int)syscall(SYS_sched_setaffinity, 0, sizeof mask, mask);
}

#endif
