// conformance-runner ROOT < SCRIPT
//
// Performs a script of file-system calls relative to the directory ROOT, with this process's
// credentials, and prints one result line per step followed by what the step changed in the watched
// paths. The conformance tests start it (as root or, through setpriv, as another uid) once against
// kernel overlayfs and once against a Scorpio union, then compare the two transcripts.
//
// Script: one operation a line, tokens separated by single spaces; a byte that is a space, a backslash
// or not printable is written \xHH. A path is relative to ROOT, or `@N/rest` relative to the
// directory held in descriptor slot N. Lines:
//   case NAME                 start a case: close every slot, forget the watched paths, umask 022
//   watch PATH...             observe these paths (lstat) after every step; prints them all once
//   <operation> ARGS...       one system call (see `perform` below for the list)
//
// Output: `root: ok` or `root: ERRNO` first; `case NAME`; for each step `N RESULT`, where RESULT is `ok`,
// `ok VALUE…` or the errno's name; then a line `  [i] STAT` for each watched path i whose stat changed.
// STAT is `TYPE MODE UID:GID nlink=N size=S [rdev=MA:MI] [same=[j]] [mtime+] [ctime+]` or an errno:
// `same=[j]` names the first watched path sharing the inode, `mtime+`/`ctime+` say the time moved since
// the previous observation of that path (of the same inode). No absolute times or inode numbers are
// printed, except the times utimensat set explicitly and those the `times` operation reads (for use
// after explicit times only).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 32
#define MAX_WATCH 64
#define MAX_TOKENS 80
#define LINE_MAX_BYTES (1 << 20)

static int root_fd = -1;
static int slots[SLOTS];

struct watched {
    char *path;
    bool observed;
    int error;  // 0: st is valid
    struct stat st;
    char text[256];
};
static struct watched watches[MAX_WATCH];
static int watch_count;

// MARK: - Output

static void print_escaped(const char *bytes, size_t count) {
    putchar('"');
    for (size_t i = 0; i < count; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c >= 0x21 && c < 0x7f && c != '\\' && c != '"') putchar(c);
        else printf("\\x%02x", c);
    }
    putchar('"');
}

static const char *errno_name(int error) {
    const char *name = strerrorname_np(error);
    static char unknown[32];
    if (name) return name;
    snprintf(unknown, sizeof unknown, "E#%d", error);
    return unknown;
}

static const char *type_name(mode_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return "reg";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "lnk";
    case S_IFCHR: return "chr";
    case S_IFBLK: return "blk";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "sock";
    default: return "?";
    }
}

static const char *dirent_type_name(unsigned char type) {
    switch (type) {
    case DT_REG: return "reg";
    case DT_DIR: return "dir";
    case DT_LNK: return "lnk";
    case DT_CHR: return "chr";
    case DT_BLK: return "blk";
    case DT_FIFO: return "fifo";
    case DT_SOCK: return "sock";
    default: return "unknown";
    }
}

// The first watched path (by index) whose last observation is the inode `st` names, or -1.
static int same_inode(const struct stat *st, int except) {
    for (int i = 0; i < watch_count; i++) {
        if (i == except || !watches[i].observed || watches[i].error) continue;
        if (watches[i].st.st_dev == st->st_dev && watches[i].st.st_ino == st->st_ino) return i;
    }
    return -1;
}

static void format_stat(char *out, size_t size, const struct stat *st) {
    int used = snprintf(out, size, "%s %04o %u:%u nlink=%lu size=%lld", type_name(st->st_mode), st->st_mode & 07777,
        st->st_uid, st->st_gid, (unsigned long)st->st_nlink, (long long)st->st_size);
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
        snprintf(out + used, size - used, " rdev=%u:%u", major(st->st_rdev), minor(st->st_rdev));
}

static bool same_time(struct timespec a, struct timespec b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

// lstat every watched path; print those whose answer changed (all of them when `all`).
static void observe(bool all) {
    struct watched now[MAX_WATCH];
    for (int i = 0; i < watch_count; i++) {
        now[i] = watches[i];
        now[i].observed = true;
        now[i].error = fstatat(root_fd, watches[i].path, &now[i].st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
    }
    bool moved_m[MAX_WATCH] = {0}, moved_c[MAX_WATCH] = {0};
    for (int i = 0; i < watch_count; i++) {
        // Only for the same inode: a different file moved in says nothing about this one's times.
        if (watches[i].observed && !watches[i].error && !now[i].error && watches[i].st.st_dev == now[i].st.st_dev
            && watches[i].st.st_ino == now[i].st.st_ino) {
            moved_m[i] = !same_time(watches[i].st.st_mtim, now[i].st.st_mtim);
            moved_c[i] = !same_time(watches[i].st.st_ctim, now[i].st.st_ctim);
        }
    }
    for (int i = 0; i < watch_count; i++) watches[i] = now[i];
    for (int i = 0; i < watch_count; i++) {
        char text[256];
        if (watches[i].error) {
            snprintf(text, sizeof text, "%s", errno_name(watches[i].error));
        } else {
            format_stat(text, sizeof text, &watches[i].st);
            int same = same_inode(&watches[i].st, i);
            if (same >= 0 && same < i) snprintf(text + strlen(text), sizeof text - strlen(text), " same=[%d]", same);
        }
        bool changed = all || strcmp(text, watches[i].text) != 0 || moved_m[i] || moved_c[i];
        snprintf(watches[i].text, sizeof watches[i].text, "%s", text);
        if (!changed) continue;
        printf("  [%d] %s%s%s\n", i, text, moved_m[i] ? " mtime+" : "", moved_c[i] ? " ctime+" : "");
    }
}

static int compare_times(struct timespec a, struct timespec b) {
    return a.tv_sec != b.tv_sec ? (a.tv_sec < b.tv_sec ? -1 : 1) : (a.tv_nsec < b.tv_nsec ? -1 : a.tv_nsec > b.tv_nsec);
}

// A change made in the same tick of the coarse clock as the one before may leave a time where it was
// (the kernel hands out coarse timestamps unless it knows a time was looked at), so `mtime+`/`ctime+`
// would depend on luck: before a step that may set times, wait until the coarse clock passes every
// watched time.
static void wait_for_clock_tick(void) {
    struct timespec latest = {0, 0}, now;
    for (int i = 0; i < watch_count; i++) {
        if (watches[i].error) continue;
        if (compare_times(watches[i].st.st_mtim, latest) > 0) latest = watches[i].st.st_mtim;
        if (compare_times(watches[i].st.st_ctim, latest) > 0) latest = watches[i].st.st_ctim;
    }
    clock_gettime(CLOCK_REALTIME_COARSE, &now);
    // Times set into the future explicitly are not waited for.
    if (latest.tv_sec > now.tv_sec + 1) return;
    while (compare_times(now, latest) <= 0) {
        usleep(500);
        clock_gettime(CLOCK_REALTIME_COARSE, &now);
    }
}

// Whether an operation may set a time (the others only look, or open an existing file).
static bool may_change_times(char **t, int n) {
    static const char *looking[] = {"read", "pread", "close", "fstat", "stat", "lstat", "times", "access", "readdir",
        "getxattr", "listxattr", "readlink", "umask"};
    for (size_t i = 0; i < sizeof looking / sizeof looking[0]; i++) {
        if (strcmp(t[0], looking[i]) == 0) return false;
    }
    if (strcmp(t[0], "open") == 0 && n > 3) return strstr(t[3], "CREAT") || strstr(t[3], "TRUNC");
    return true;
}

static void print_stat_result(const struct stat *st) {
    char text[256];
    format_stat(text, sizeof text, st);
    printf("ok %s", text);
    int same = same_inode(st, -1);
    if (same >= 0) printf(" same=[%d]", same);
    putchar('\n');
}

// MARK: - Parsing

static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Splits `line` in place into tokens, decoding \xHH escapes.
static int tokenize(char *line, char **tokens) {
    int count = 0;
    char *cursor = line;
    while (*cursor && count < MAX_TOKENS) {
        char *start = cursor, *out = cursor;
        while (*cursor && *cursor != ' ') {
            if (cursor[0] == '\\' && cursor[1] == 'x' && hex(cursor[2]) >= 0 && hex(cursor[3]) >= 0) {
                *out++ = (char)(hex(cursor[2]) * 16 + hex(cursor[3]));
                cursor += 4;
            } else {
                *out++ = *cursor++;
            }
        }
        if (*cursor == ' ') cursor++;
        *out = 0;
        tokens[count++] = start;
    }
    return count;
}

static void fail_script(const char *why, const char *token) {
    // On a line of its own, also after a step number already printed.
    printf("\nscript error: %s: %s\n", why, token);
    fflush(stdout);
    exit(2);
}

static long number(const char *token) {
    char *end;
    long value = strtol(token, &end, 0);
    if (*token == 0 || *end) fail_script("not a number", token);
    return value;
}

static int slot_index(const char *token) {
    long n = number(token);
    if (n < 0 || n >= SLOTS) fail_script("no such slot", token);
    return (int)n;
}

// A path argument: the directory descriptor it is relative to and the rest.
struct at_path {
    int dirfd;
    const char *path;
};

static struct at_path resolve(const char *token) {
    if (token[0] == '@') {
        char *slash = strchr(token, '/');
        char number_text[16] = {0};
        size_t length = slash ? (size_t)(slash - token - 1) : strlen(token + 1);
        if (length == 0 || length >= sizeof number_text) fail_script("bad slot path", token);
        memcpy(number_text, token + 1, length);
        int slot = slot_index(number_text);
        return (struct at_path){slots[slot], slash && slash[1] ? slash + 1 : "."};
    }
    return (struct at_path){root_fd, token};
}

// For calls without an *at variant (truncate, the xattr calls): the path through /proc/self/fd.
static const char *proc_path(const char *token) {
    static char buffer[PATH_MAX + 64];
    struct at_path at = resolve(token);
    snprintf(buffer, sizeof buffer, "/proc/self/fd/%d/%s", at.dirfd, at.path);
    return buffer;
}

static int open_flags(const char *token) {
    static const struct { const char *name; int flag; } names[] = {
        {"RDONLY", O_RDONLY}, {"WRONLY", O_WRONLY}, {"RDWR", O_RDWR}, {"CREAT", O_CREAT}, {"EXCL", O_EXCL},
        {"TRUNC", O_TRUNC}, {"APPEND", O_APPEND}, {"DIRECTORY", O_DIRECTORY}, {"NOFOLLOW", O_NOFOLLOW},
        {"NONBLOCK", O_NONBLOCK}, {"PATH", O_PATH},
    };
    int flags = 0;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", token);
    for (char *part = strtok(copy, "|"); part; part = strtok(NULL, "|")) {
        bool known = false;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strcmp(part, names[i].name) == 0) {
                flags |= names[i].flag;
                known = true;
            }
        }
        if (!known) fail_script("unknown open flag", part);
    }
    return flags | O_CLOEXEC;
}

static int access_mode(const char *token) {
    if (strcmp(token, "f") == 0) return F_OK;
    int mode = 0;
    for (const char *c = token; *c; c++) {
        if (*c == 'r') mode |= R_OK;
        else if (*c == 'w') mode |= W_OK;
        else if (*c == 'x') mode |= X_OK;
        else fail_script("bad access mode", token);
    }
    return mode;
}

static struct timespec time_value(const char *token) {
    if (strcmp(token, "now") == 0) return (struct timespec){0, UTIME_NOW};
    if (strcmp(token, "omit") == 0) return (struct timespec){0, UTIME_OMIT};
    char *dot;
    struct timespec value = {strtoll(token, &dot, 10), 0};
    if (*dot == '.') {
        long scale = 100000000;
        for (const char *digit = dot + 1; *digit >= '0' && *digit <= '9' && scale > 0; digit++, scale /= 10)
            value.tv_nsec += (*digit - '0') * scale;
    }
    return value;
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// MARK: - Operations

static void close_slots(void) {
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i] >= 0) close(slots[i]);
        slots[i] = -1;
    }
}

static void result(int ret) {
    if (ret < 0) printf("%s\n", errno_name(errno));
    else printf("ok\n");
}

static void result_count(ssize_t ret) {
    if (ret < 0) printf("%s\n", errno_name(errno));
    else printf("ok %zd\n", ret);
}

static void do_readdir(const char *token) {
    struct at_path at = resolve(token);
    int fd = openat(at.dirfd, at.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return result(-1);
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return result(-1);
    }
    char *names[4096];
    int count = 0;
    struct dirent *entry;
    errno = 0;
    while ((entry = readdir(dir)) && count < 4096) {
        if (asprintf(&names[count], "%s:%s", entry->d_name, dirent_type_name(entry->d_type)) < 0) abort();
        count++;
    }
    int error = errno;
    closedir(dir);
    if (error) {
        for (int i = 0; i < count; i++) free(names[i]);
        errno = error;
        return result(-1);
    }
    qsort(names, count, sizeof names[0], compare_strings);
    printf("ok");
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    putchar('\n');
}

static void do_listxattr(const char *token) {
    char buffer[65536];
    ssize_t size = listxattr(proc_path(token), buffer, sizeof buffer);
    if (size < 0) return result(-1);
    char *names[1024];
    int count = 0;
    for (char *name = buffer; name < buffer + size && count < 1024; name += strlen(name) + 1) names[count++] = name;
    qsort(names, count, sizeof names[0], compare_strings);
    printf("ok [");
    for (int i = 0; i < count; i++) printf("%s%s", i ? "," : "", names[i]);
    printf("]\n");
}

static void need(int count, int wanted, const char *op) {
    if (count < wanted) fail_script("too few arguments", op);
}

/// Set (CONFORMANCE_ANNOUNCE_OPENS=1) for a union that never sees opens: see "open" in perform().
static bool announce_opens_for_writing = false;

static void perform(char **t, int n) {
    const char *op = t[0];
    struct stat st;
    if (strcmp(op, "open") == 0) {
        need(n, 4, op);
        int slot = slot_index(t[1]);
        if (slots[slot] >= 0) close(slots[slot]);
        struct at_path at = resolve(t[2]);
        // A FIFO's open never waits for its other end: a random sequence may open one with no reader
        // or writer (O_NONBLOCK changes nothing else an open of a file or directory does).
        int flags = open_flags(t[3]) | O_NONBLOCK;
        slots[slot] = openat(at.dirfd, at.path, flags, n > 4 ? (mode_t)number(t[4]) : 0644);
        int opened = errno;
        if (slots[slot] >= 0 && announce_opens_for_writing && (flags & O_ACCMODE) != O_RDONLY) {
            // A union that never sees an open (Scorpio's fuse driver answers open with ENOSYS) copies a
            // lower file up at its first change instead of at an open for writing, as overlayfs does.
            // A change that changes nothing, a replace of an xattr no file has, makes it copy up here.
            fsetxattr(slots[slot], "user.conformance-open-for-writing", "", 0, XATTR_REPLACE);
        }
        errno = opened;
        result(slots[slot]);
    } else if (strcmp(op, "close") == 0) {
        need(n, 2, op);
        int slot = slot_index(t[1]);
        result(close(slots[slot]));
        slots[slot] = -1;
    } else if (strcmp(op, "read") == 0 || strcmp(op, "pread") == 0) {
        bool positioned = op[0] == 'p';
        need(n, positioned ? 4 : 3, op);
        char buffer[65536];
        size_t count = (size_t)number(t[2]);
        if (count > sizeof buffer) count = sizeof buffer;
        int fd = slots[slot_index(t[1])];
        ssize_t got = positioned ? pread(fd, buffer, count, number(t[3])) : read(fd, buffer, count);
        if (got < 0) return result(-1);
        printf("ok %zd ", got);
        print_escaped(buffer, (size_t)got);
        putchar('\n');
    } else if (strcmp(op, "write") == 0 || strcmp(op, "pwrite") == 0) {
        bool positioned = op[0] == 'p';
        need(n, positioned ? 4 : 3, op);
        int fd = slots[slot_index(t[1])];
        size_t length = strlen(t[2]);
        result_count(positioned ? pwrite(fd, t[2], length, number(t[3])) : write(fd, t[2], length));
    } else if (strcmp(op, "fstat") == 0) {
        need(n, 2, op);
        if (fstat(slots[slot_index(t[1])], &st) < 0) return result(-1);
        print_stat_result(&st);
    } else if (strcmp(op, "ftruncate") == 0) {
        need(n, 3, op);
        result(ftruncate(slots[slot_index(t[1])], number(t[2])));
    } else if (strcmp(op, "fchmod") == 0) {
        need(n, 3, op);
        result(fchmod(slots[slot_index(t[1])], (mode_t)number(t[2])));
    } else if (strcmp(op, "fchown") == 0) {
        need(n, 4, op);
        result(fchown(slots[slot_index(t[1])], (uid_t)number(t[2]), (gid_t)number(t[3])));
    } else if (strcmp(op, "stat") == 0 || strcmp(op, "lstat") == 0) {
        need(n, 2, op);
        struct at_path at = resolve(t[1]);
        if (fstatat(at.dirfd, at.path, &st, op[0] == 'l' ? AT_SYMLINK_NOFOLLOW : 0) < 0) return result(-1);
        print_stat_result(&st);
    } else if (strcmp(op, "times") == 0) {
        need(n, 2, op);
        struct at_path at = resolve(t[1]);
        if (fstatat(at.dirfd, at.path, &st, AT_SYMLINK_NOFOLLOW) < 0) return result(-1);
        printf("ok atime=%lld.%09ld mtime=%lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
            (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    } else if (strcmp(op, "access") == 0) {
        need(n, 3, op);
        struct at_path at = resolve(t[1]);
        result(faccessat(at.dirfd, at.path, access_mode(t[2]), n > 3 && strcmp(t[3], "eaccess") == 0 ? AT_EACCESS : 0));
    } else if (strcmp(op, "mkdir") == 0) {
        need(n, 3, op);
        struct at_path at = resolve(t[1]);
        result(mkdirat(at.dirfd, at.path, (mode_t)number(t[2])));
    } else if (strcmp(op, "rmdir") == 0 || strcmp(op, "unlink") == 0) {
        need(n, 2, op);
        struct at_path at = resolve(t[1]);
        result(unlinkat(at.dirfd, at.path, op[0] == 'r' ? AT_REMOVEDIR : 0));
    } else if (strcmp(op, "link") == 0) {
        need(n, 3, op);
        struct at_path from = resolve(t[1]), to = resolve(t[2]);
        result(linkat(from.dirfd, from.path, to.dirfd, to.path, 0));
    } else if (strcmp(op, "symlink") == 0) {
        need(n, 3, op);
        struct at_path at = resolve(t[2]);
        result(symlinkat(t[1], at.dirfd, at.path));
    } else if (strcmp(op, "readlink") == 0) {
        need(n, 2, op);
        struct at_path at = resolve(t[1]);
        char buffer[PATH_MAX];
        ssize_t got = readlinkat(at.dirfd, at.path, buffer, sizeof buffer);
        if (got < 0) return result(-1);
        printf("ok ");
        print_escaped(buffer, (size_t)got);
        putchar('\n');
    } else if (strcmp(op, "rename") == 0) {
        need(n, 3, op);
        struct at_path from = resolve(t[1]), to = resolve(t[2]);
        unsigned flags = 0;
        if (n > 3 && strcmp(t[3], "noreplace") == 0) flags = RENAME_NOREPLACE;
        else if (n > 3 && strcmp(t[3], "exchange") == 0) flags = RENAME_EXCHANGE;
        else if (n > 3) fail_script("unknown rename flag", t[3]);
        result(renameat2(from.dirfd, from.path, to.dirfd, to.path, flags));
    } else if (strcmp(op, "mknod") == 0) {
        need(n, 4, op);
        struct at_path at = resolve(t[1]);
        mode_t type = strcmp(t[2], "reg") == 0 ? S_IFREG : strcmp(t[2], "fifo") == 0 ? S_IFIFO
            : strcmp(t[2], "chr") == 0 ? S_IFCHR : strcmp(t[2], "blk") == 0 ? S_IFBLK
            : strcmp(t[2], "sock") == 0 ? S_IFSOCK : 0;
        if (!type) fail_script("unknown node type", t[2]);
        dev_t device = n > 5 ? makedev((unsigned)number(t[4]), (unsigned)number(t[5])) : 0;
        result(mknodat(at.dirfd, at.path, type | (mode_t)number(t[3]), device));
    } else if (strcmp(op, "mkfifo") == 0) {
        need(n, 3, op);
        struct at_path at = resolve(t[1]);
        result(mkfifoat(at.dirfd, at.path, (mode_t)number(t[2])));
    } else if (strcmp(op, "truncate") == 0) {
        need(n, 3, op);
        result(truncate(proc_path(t[1]), number(t[2])));
    } else if (strcmp(op, "chmod") == 0) {
        need(n, 3, op);
        struct at_path at = resolve(t[1]);
        result(fchmodat(at.dirfd, at.path, (mode_t)number(t[2]), 0));
    } else if (strcmp(op, "chown") == 0 || strcmp(op, "lchown") == 0) {
        need(n, 4, op);
        struct at_path at = resolve(t[1]);
        result(fchownat(at.dirfd, at.path, (uid_t)number(t[2]), (gid_t)number(t[3]), op[0] == 'l' ? AT_SYMLINK_NOFOLLOW : 0));
    } else if (strcmp(op, "utimens") == 0) {
        need(n, 4, op);
        struct at_path at = resolve(t[1]);
        struct timespec times[2] = {time_value(t[2]), time_value(t[3])};
        bool nofollow = n > 4 && strcmp(t[4], "nofollow") == 0;
        if (utimensat(at.dirfd, at.path, strcmp(t[2], "null") == 0 ? NULL : times, nofollow ? AT_SYMLINK_NOFOLLOW : 0) < 0)
            return result(-1);
        // The times given explicitly, as the file now has them (never a "now").
        printf("ok");
        if (fstatat(at.dirfd, at.path, &st, nofollow ? AT_SYMLINK_NOFOLLOW : 0) == 0) {
            if (times[0].tv_nsec != UTIME_NOW && times[0].tv_nsec != UTIME_OMIT && strcmp(t[2], "null") != 0)
                printf(" atime=%lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
            if (times[1].tv_nsec != UTIME_NOW && times[1].tv_nsec != UTIME_OMIT && strcmp(t[2], "null") != 0)
                printf(" mtime=%lld.%09ld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        }
        putchar('\n');
    } else if (strcmp(op, "setxattr") == 0) {
        need(n, 4, op);
        int flags = n > 4 && strcmp(t[4], "create") == 0 ? XATTR_CREATE : n > 4 && strcmp(t[4], "replace") == 0 ? XATTR_REPLACE : 0;
        result(setxattr(proc_path(t[1]), t[2], t[3], strlen(t[3]), flags));
    } else if (strcmp(op, "getxattr") == 0) {
        need(n, 3, op);
        char buffer[65536];
        ssize_t got = getxattr(proc_path(t[1]), t[2], buffer, sizeof buffer);
        if (got < 0) return result(-1);
        printf("ok ");
        print_escaped(buffer, (size_t)got);
        putchar('\n');
    } else if (strcmp(op, "listxattr") == 0) {
        need(n, 2, op);
        do_listxattr(t[1]);
    } else if (strcmp(op, "removexattr") == 0) {
        need(n, 3, op);
        result(removexattr(proc_path(t[1]), t[2]));
    } else if (strcmp(op, "readdir") == 0) {
        need(n, 2, op);
        do_readdir(t[1]);
    } else if (strcmp(op, "umask") == 0) {
        need(n, 2, op);
        umask((mode_t)number(t[1]));
        printf("ok\n");
    } else {
        fail_script("unknown operation", op);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: conformance-runner ROOT < SCRIPT\n");
        return 2;
    }
    for (int i = 0; i < SLOTS; i++) slots[i] = -1;
    const char *announce = getenv("CONFORMANCE_ANNOUNCE_OPENS");
    announce_opens_for_writing = announce && strcmp(announce, "1") == 0;
    root_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) printf("root: %s\n", errno_name(errno));
    else printf("root: ok\n");
    umask(022);
    static char line[LINE_MAX_BYTES];
    int step = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] == 0 || line[0] == '#') continue;
        char *tokens[MAX_TOKENS];
        int count = tokenize(line, tokens);
        if (strcmp(tokens[0], "case") == 0) {
            need(count, 2, "case");
            close_slots();
            for (int i = 0; i < watch_count; i++) free(watches[i].path);
            watch_count = 0;
            step = 0;
            umask(022);
            printf("case %s\n", tokens[1]);
        } else if (strcmp(tokens[0], "watch") == 0) {
            for (int i = 1; i < count && watch_count < MAX_WATCH; i++) {
                watches[watch_count] = (struct watched){.path = strdup(tokens[i])};
                watch_count++;
            }
            observe(true);
        } else {
            if (may_change_times(tokens, count)) wait_for_clock_tick();
            printf("%d ", ++step);
            errno = 0;
            perform(tokens, count);
            observe(false);
        }
        fflush(stdout);
    }
    close_slots();
    return 0;
}
