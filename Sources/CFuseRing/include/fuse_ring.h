#ifndef SCORPIO_FUSE_RING_H
#define SCORPIO_FUSE_RING_H

#include <stddef.h>
#include <stdint.h>

struct fuse_session;
struct scorpio_fuse_ring;

/// Serves a session's requests over FUSE-over-io_uring when the kernel offers it at INIT: one queue
/// per CPU, `threads` threads shared out among them (at least one each) and pinned to their queue's
/// CPU, each thread with one ring entry, so a request is answered on the CPU that asked and a thread
/// waiting on the disk holds up no other request. INIT, FORGETs, interrupts and notifications stay on
/// /dev/fuse.
///
/// Call after `fuse_session_mount` and before the session loop starts. Returns the ring, or NULL with
/// `*error` set when the host cannot (`EOPNOTSUPP`: the fuse module's `enable_uring` is off); the
/// session then serves over /dev/fuse alone, as it would without this call.
struct scorpio_fuse_ring *scorpio_fuse_ring_attach(struct fuse_session *se, unsigned threads, int *error);

/// Waits for the ring's threads to end and frees it; call once the session is unmounted and its loop
/// has ended, before `fuse_session_destroy`. NULL is ignored.
void scorpio_fuse_ring_detach(struct scorpio_fuse_ring *ring);

/// Whether the session's requests go over io_uring (INIT answered with it).
int scorpio_fuse_ring_active(const struct scorpio_fuse_ring *ring);

/// Requests answered over the ring so far.
uint64_t scorpio_fuse_ring_answered(const struct scorpio_fuse_ring *ring);

/// For a request being answered on a ring thread: the ring entry's payload buffer when it holds
/// `count` bytes, so a reply can be read straight into it and sent with `fuse_reply_buf`; NULL on any
/// other thread.
void *scorpio_fuse_ring_reply_buffer(size_t count);

/// Whether `enable_uring` of the fuse module is on: the kernel offers io_uring to new connections.
int scorpio_fuse_ring_enabled(void);

#endif
