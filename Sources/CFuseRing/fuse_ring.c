// FUSE over io_uring (Linux 6.14+) for a libfuse 3.14 session, through libfuse's custom I/O hooks.
//
// The kernel hands each request to a ring entry of the queue of the CPU that asked: the request's
// header, its per-operation header and the rest of its arguments (the payload) land in buffers the
// entry registered. A ring thread rebuilds the request as /dev/fuse would have delivered it, lets
// libfuse dispatch it, catches the reply in the writev hook and commits it with the next fetch.
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include "fuse_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse3/fuse_lowlevel.h>
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <unistd.h>

// The kernel's io_uring ABI for FUSE (include/uapi/linux/fuse.h, protocol 7.42); newer than the
// headers of this distribution.
#define RING_INIT_FLAG2 (1u << (41 - 32)) // FUSE_OVER_IO_URING, in init flags2
#define RING_CMD_REGISTER 1
#define RING_CMD_COMMIT_AND_FETCH 2

struct ring_entry_in_out {
    uint64_t flags;
    uint64_t commit_id;
    uint32_t payload_sz;
    uint32_t padding;
    uint64_t reserved;
};

struct ring_headers {
    char in_out[128];
    char op_in[128];
    struct ring_entry_in_out entry;
};

struct ring_cmd {
    uint64_t flags;
    uint64_t commit_id;
    uint16_t qid;
    uint8_t padding[6];
};

// io_uring's opt-out of I/O-wait accounting (Linux 6.15+), newer than this distribution's headers: a
// ring thread waits for requests with its fetch command outstanding, which the kernel otherwise
// counts as waiting on I/O, so a host serving a base would show every idle ring thread as a blocked
// process and its idle CPUs as 100 % iowait.
#define RING_FEAT_NO_IOWAIT (1u << 17)
#define RING_ENTER_NO_IOWAIT (1u << 7)

enum { sqe_size = 128, ring_depth = 2 };
// Room before the payload for the request's header and per-operation header, so the request is
// rebuilt in one piece without moving the payload.
enum { payload_prefix = 256 };

struct ring_worker {
    struct ring_state *state;
    uint16_t qid;
    int pin; // CPU to run on, -1 for none
    pthread_t thread;
    int started;

    int ring_fd;
    unsigned enter_flags;
    void *sq_map, *cq_map, *sqes;
    size_t sq_map_size, cq_map_size, sqes_size;
    _Atomic uint32_t *sq_head, *sq_tail, *cq_head, *cq_tail;
    uint32_t *sq_array, sq_mask, cq_mask;
    struct io_uring_cqe *cqes;

    struct ring_headers *headers;
    char *buffer; // payload_prefix bytes, then the payload
    struct iovec iov[2];

    uint64_t unique; // the request being answered
    int replied;
};

struct ring_state {
    struct fuse_session *se;
    int fd;
    unsigned threads_per_queue;
    size_t payload_size;
    _Atomic uint64_t init_unique; // the INIT request, while its reply is pending; 0 otherwise
    _Atomic int active;
    _Atomic uint64_t answered;
    pthread_mutex_t start_lock;
    pthread_cond_t start_cond;
    int start; // 0 waiting, 1 go, -1 quit
    struct ring_worker *workers;
    unsigned worker_count;
};

enum { max_descriptor = 1 << 16 };
static struct ring_state *_Atomic states[max_descriptor];
static __thread struct ring_worker *current_worker;

static struct ring_state *state_for(int fd) {
    return fd >= 0 && fd < max_descriptor ? atomic_load_explicit(&states[fd], memory_order_acquire) : NULL;
}

int scorpio_fuse_ring_enabled(void) {
    char value = 0;
    int fd = open("/sys/module/fuse/parameters/enable_uring", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, &value, 1);
    close(fd);
    return n == 1 && value == 'Y';
}

// MARK: io_uring

static int ring_setup(struct ring_worker *w) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_SQE128 | IORING_SETUP_COOP_TASKRUN;
    int fd = (int)syscall(__NR_io_uring_setup, ring_depth, &p);
    if (fd < 0) return errno;
    w->ring_fd = fd;
    w->enter_flags = IORING_ENTER_GETEVENTS | (p.features & RING_FEAT_NO_IOWAIT ? RING_ENTER_NO_IOWAIT : 0);
    w->sq_map_size = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    w->cq_map_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        if (w->cq_map_size > w->sq_map_size) w->sq_map_size = w->cq_map_size;
        w->cq_map_size = w->sq_map_size;
    }
    w->sq_map = mmap(NULL, w->sq_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    if (w->sq_map == MAP_FAILED) { w->sq_map = NULL; return errno; }
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        w->cq_map = w->sq_map;
    } else {
        w->cq_map = mmap(NULL, w->cq_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
        if (w->cq_map == MAP_FAILED) { w->cq_map = NULL; return errno; }
    }
    w->sqes_size = p.sq_entries * sqe_size;
    w->sqes = mmap(NULL, w->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (w->sqes == MAP_FAILED) { w->sqes = NULL; return errno; }

    char *sq = w->sq_map, *cq = w->cq_map;
    w->sq_head = (_Atomic uint32_t *)(sq + p.sq_off.head);
    w->sq_tail = (_Atomic uint32_t *)(sq + p.sq_off.tail);
    w->sq_mask = *(uint32_t *)(sq + p.sq_off.ring_mask);
    w->sq_array = (uint32_t *)(sq + p.sq_off.array);
    w->cq_head = (_Atomic uint32_t *)(cq + p.cq_off.head);
    w->cq_tail = (_Atomic uint32_t *)(cq + p.cq_off.tail);
    w->cq_mask = *(uint32_t *)(cq + p.cq_off.ring_mask);
    w->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    return 0;
}

static void ring_teardown(struct ring_worker *w) {
    if (w->sqes) munmap(w->sqes, w->sqes_size);
    if (w->cq_map && w->cq_map != w->sq_map) munmap(w->cq_map, w->cq_map_size);
    if (w->sq_map) munmap(w->sq_map, w->sq_map_size);
    if (w->ring_fd > 0) close(w->ring_fd);
    free(w->headers);
    free(w->buffer);
    w->sqes = w->cq_map = w->sq_map = NULL;
    w->ring_fd = -1;
    w->headers = NULL;
    w->buffer = NULL;
}

static void ring_queue_cmd(struct ring_worker *w, uint32_t op, uint64_t commit_id) {
    uint32_t tail = atomic_load_explicit(w->sq_tail, memory_order_relaxed);
    uint32_t index = tail & w->sq_mask;
    struct io_uring_sqe *sqe = (struct io_uring_sqe *)((char *)w->sqes + (size_t)index * sqe_size);
    memset(sqe, 0, sqe_size);
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = w->state->fd;
    sqe->cmd_op = op;
    sqe->addr = (uint64_t)(uintptr_t)w->iov;
    sqe->len = 2;
    struct ring_cmd *cmd = (struct ring_cmd *)sqe->cmd;
    cmd->commit_id = commit_id;
    cmd->qid = w->qid;
    w->sq_array[index] = index;
    atomic_store_explicit(w->sq_tail, tail + 1, memory_order_release);
}

// Submits what is queued and waits for one completion; returns its result.
static int ring_submit_and_wait(struct ring_worker *w) {
    for (;;) {
        uint32_t head = atomic_load_explicit(w->cq_head, memory_order_relaxed);
        if (head != atomic_load_explicit(w->cq_tail, memory_order_acquire)) {
            int res = w->cqes[head & w->cq_mask].res;
            atomic_store_explicit(w->cq_head, head + 1, memory_order_release);
            return res;
        }
        uint32_t pending = atomic_load_explicit(w->sq_tail, memory_order_relaxed) -
                           atomic_load_explicit(w->sq_head, memory_order_acquire);
        if (syscall(__NR_io_uring_enter, w->ring_fd, pending, 1, w->enter_flags, NULL, 0) < 0 &&
            errno != EINTR && errno != EAGAIN && errno != EBUSY)
            return -errno;
    }
}

// MARK: serving

// Rebuilds the request in the entry as /dev/fuse delivers it (header, per-operation header, payload)
// and lets libfuse answer it; the reply lands in the entry through ring_writev.
static void ring_answer(struct ring_worker *w) {
    struct fuse_in_header in;
    memcpy(&in, w->headers->in_out, sizeof in);
    uint32_t payload = w->headers->entry.payload_sz;
    size_t fixed = sizeof in + payload;
    w->unique = in.unique;
    w->replied = 0;
    if (in.len < fixed || in.len - fixed > sizeof w->headers->op_in || payload > w->state->payload_size) {
        struct fuse_out_header out = {.len = sizeof out, .error = -EIO, .unique = in.unique};
        memcpy(w->headers->in_out, &out, sizeof out);
        w->headers->entry.payload_sz = 0;
        return;
    }
    size_t op_header = in.len - fixed;
    char *payload_start = w->buffer + payload_prefix;
    char *request = payload_start - op_header - sizeof in;
    memcpy(request, &in, sizeof in);
    memcpy(request + sizeof in, w->headers->op_in, op_header);
    struct fuse_buf buf = {.size = in.len, .flags = 0, .mem = request, .fd = -1, .pos = 0};
    fuse_session_process_buf(w->state->se, &buf);
    atomic_fetch_add_explicit(&w->state->answered, 1, memory_order_relaxed);
    if (!w->replied) {
        struct fuse_out_header out = {.len = sizeof out, .error = -EIO, .unique = in.unique};
        memcpy(w->headers->in_out, &out, sizeof out);
        w->headers->entry.payload_sz = 0;
    }
}

static int ring_wait_for_start(struct ring_state *state) {
    pthread_mutex_lock(&state->start_lock);
    while (state->start == 0) pthread_cond_wait(&state->start_cond, &state->start_lock);
    int start = state->start;
    pthread_mutex_unlock(&state->start_lock);
    return start > 0;
}

static void *ring_serve(void *arg) {
    struct ring_worker *w = arg;
    current_worker = w;
    // Named for its queue, not after whichever thread mounted (a daemon's pool thread). Named by
    // itself: naming another thread goes through /proc, on the path that answers INIT.
    char name[16];
    snprintf(name, sizeof name, "fuse-ring-%u", (unsigned)w->qid);
    pthread_setname_np(pthread_self(), name);
    if (w->pin >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(w->pin, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    if (!ring_wait_for_start(w->state)) return NULL;
    uint32_t op = RING_CMD_REGISTER;
    uint64_t commit_id = 0;
    for (;;) {
        ring_queue_cmd(w, op, commit_id);
        int res = ring_submit_and_wait(w);
        if (res < 0) {
            // A refused registration sends the connection back to /dev/fuse; otherwise it ended.
            if (op == RING_CMD_REGISTER) atomic_store(&w->state->active, 0);
            break;
        }
        ring_answer(w);
        op = RING_CMD_COMMIT_AND_FETCH;
        commit_id = w->headers->entry.commit_id;
    }
    return NULL;
}

static void ring_release_start(struct ring_state *state, int start) {
    pthread_mutex_lock(&state->start_lock);
    state->start = start;
    pthread_cond_broadcast(&state->start_cond);
    pthread_mutex_unlock(&state->start_lock);
}

static void ring_join_workers(struct ring_state *state) {
    for (unsigned i = 0; i < state->worker_count; i++) {
        struct ring_worker *w = &state->workers[i];
        if (w->started) pthread_join(w->thread, NULL);
        w->started = 0;
        ring_teardown(w);
    }
    free(state->workers);
    state->workers = NULL;
    state->worker_count = 0;
}

// Makes every queue's rings and threads (waiting to start) before INIT is answered: once the kernel
// is told io_uring, it holds every request until each queue has an entry, so nothing may fail after.
static int ring_prepare_workers(struct ring_state *state) {
    int queues = get_nprocs_conf();
    int online = get_nprocs();
    unsigned count = 0;
    for (int q = 0; q < queues; q++) count += q < online ? state->threads_per_queue : 1;
    state->workers = calloc(count, sizeof *state->workers);
    if (!state->workers) return ENOMEM;
    state->worker_count = count;

    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int error = 0;
    unsigned i = 0;
    for (int q = 0; q < queues && !error; q++) {
        unsigned threads = q < online ? state->threads_per_queue : 1;
        for (unsigned t = 0; t < threads && !error; t++, i++) {
            struct ring_worker *w = &state->workers[i];
            w->state = state;
            w->qid = (uint16_t)q;
            w->pin = q < online ? q : -1;
            w->ring_fd = -1;
            w->headers = aligned_alloc(32, sizeof *w->headers); // 288 bytes, a multiple of 32
            w->buffer = malloc(payload_prefix + state->payload_size);
            if (!w->headers || !w->buffer) { error = ENOMEM; break; }
            memset(w->headers, 0, sizeof *w->headers);
            w->iov[0] = (struct iovec){w->headers, sizeof *w->headers};
            w->iov[1] = (struct iovec){w->buffer + payload_prefix, state->payload_size};
            if ((error = ring_setup(w))) break;
            if ((error = pthread_create(&w->thread, NULL, ring_serve, w))) break;
            w->started = 1;
        }
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (error) {
        ring_release_start(state, -1);
        ring_join_workers(state);
    }
    return error;
}

// MARK: libfuse's I/O hooks

static ssize_t ring_read(int fd, void *buf, size_t size, void *userdata) {
    (void)userdata;
    ssize_t n = read(fd, buf, size);
    if (n < (ssize_t)(sizeof(struct fuse_in_header) + sizeof(struct fuse_init_in))) return n;
    const struct fuse_in_header *in = buf;
    if (in->opcode != FUSE_INIT) return n;
    struct ring_state *state = state_for(fd);
    const struct fuse_init_in *init = (const void *)(in + 1);
    if (state && (init->flags & FUSE_INIT_EXT) && (init->flags2 & RING_INIT_FLAG2))
        atomic_store(&state->init_unique, in->unique);
    return n;
}

static ssize_t ring_capture(struct ring_worker *w, const struct iovec *iov, int count) {
    size_t total = iov[0].iov_len, payload = 0;
    char *destination = w->buffer + payload_prefix;
    for (int i = 1; i < count; i++) {
        if (payload + iov[i].iov_len > w->state->payload_size) { errno = EINVAL; return -1; }
        if (iov[i].iov_base != destination + payload) memcpy(destination + payload, iov[i].iov_base, iov[i].iov_len);
        payload += iov[i].iov_len;
    }
    total += payload;
    memcpy(w->headers->in_out, iov[0].iov_base, sizeof(struct fuse_out_header));
    w->headers->entry.payload_sz = (uint32_t)payload;
    w->replied = 1;
    return (ssize_t)total;
}

// The reply to INIT, told that this side speaks io_uring when every queue's rings are ready.
static ssize_t ring_answer_init(struct ring_state *state, int fd, struct iovec *iov, int count) {
    atomic_store(&state->init_unique, 0);
    const struct fuse_out_header *out = iov[0].iov_base;
    struct fuse_init_out *init = count > 1 && iov[1].iov_len >= sizeof *init ? iov[1].iov_base : NULL;
    int offered = out->error == 0 && init && (init->flags & FUSE_INIT_EXT);
    if (offered) {
        // What the kernel will require of each entry: its largest request or reply (the kernel assumes
        // 32 pages when INIT sets no page limit).
        size_t pages = init->max_pages ? init->max_pages : 32;
        size_t payload = init->max_write;
        if (pages * (size_t)getpagesize() > payload) payload = pages * (size_t)getpagesize();
        if (payload < 8192) payload = 8192;
        state->payload_size = payload;
        offered = ring_prepare_workers(state) == 0;
    }
    if (offered) {
        init->flags2 |= RING_INIT_FLAG2;
        // Set before the reply: the kernel takes it as the write returns, and the mount's owner learns
        // INIT was answered before the write does.
        atomic_store(&state->active, 1);
    }
    ssize_t written = writev(fd, iov, count);
    if (offered) {
        int accepted = written >= 0;
        if (!accepted) atomic_store(&state->active, 0);
        ring_release_start(state, accepted ? 1 : -1);
        if (!accepted) {
            int saved = errno;
            ring_join_workers(state);
            errno = saved;
        }
    }
    return written;
}

static ssize_t ring_writev(int fd, struct iovec *iov, int count, void *userdata) {
    (void)userdata;
    const struct fuse_out_header *out = iov[0].iov_base;
    struct ring_worker *w = current_worker;
    if (w && !w->replied && out->unique == w->unique) return ring_capture(w, iov, count);
    struct ring_state *state = state_for(fd);
    if (state && out->unique != 0 && out->unique == atomic_load(&state->init_unique))
        return ring_answer_init(state, fd, iov, count);
    return writev(fd, iov, count);
}

// MARK: the session's life

struct scorpio_fuse_ring *scorpio_fuse_ring_attach(struct fuse_session *se, unsigned threads, int *error) {
    *error = 0;
    if (!scorpio_fuse_ring_enabled()) { *error = EOPNOTSUPP; return NULL; }
    int fd = fuse_session_fd(se);
    if (fd < 0 || fd >= max_descriptor) { *error = EBADF; return NULL; }
    struct ring_state *state = calloc(1, sizeof *state);
    if (!state) { *error = ENOMEM; return NULL; }
    state->se = se;
    state->fd = fd;
    int queues = get_nprocs_conf();
    state->threads_per_queue = queues > 0 && threads > (unsigned)queues ? threads / (unsigned)queues : 1;
    pthread_mutex_init(&state->start_lock, NULL);
    pthread_cond_init(&state->start_cond, NULL);
    struct ring_state *expected = NULL;
    if (!atomic_compare_exchange_strong(&states[fd], &expected, state)) {
        free(state);
        *error = EBUSY;
        return NULL;
    }
    static const struct fuse_custom_io io = {.writev = ring_writev, .read = ring_read};
    if (fuse_session_custom_io(se, &io, fd) != 0) {
        atomic_store(&states[fd], NULL);
        free(state);
        *error = EINVAL;
        return NULL;
    }
    return (struct scorpio_fuse_ring *)state;
}

void scorpio_fuse_ring_detach(struct scorpio_fuse_ring *ring) {
    struct ring_state *state = (struct ring_state *)ring;
    if (!state) return;
    ring_join_workers(state);
    atomic_store(&states[state->fd], NULL);
    pthread_cond_destroy(&state->start_cond);
    pthread_mutex_destroy(&state->start_lock);
    free(state);
}

int scorpio_fuse_ring_active(const struct scorpio_fuse_ring *ring) {
    const struct ring_state *state = (const struct ring_state *)ring;
    return state && atomic_load(&state->active);
}

uint64_t scorpio_fuse_ring_answered(const struct scorpio_fuse_ring *ring) {
    const struct ring_state *state = (const struct ring_state *)ring;
    return state ? atomic_load_explicit(&state->answered, memory_order_relaxed) : 0;
}

void *scorpio_fuse_ring_reply_buffer(size_t count) {
    struct ring_worker *w = current_worker;
    if (!w || w->replied || count > w->state->payload_size) return NULL;
    return w->buffer + payload_prefix;
}
