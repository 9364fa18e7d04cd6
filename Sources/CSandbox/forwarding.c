// The parent side of signals: while sandboxes run, SIGINT, SIGTERM and SIGHUP received by this process
// go to every sandbox's init (which passes them on to the command); a second SIGINT kills a sandbox with
// SIGKILL. A plain handler, so it works whatever the other threads block; it only calls kill(2).
#define _GNU_SOURCE
#include "internal.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

enum { MAX_SANDBOXES = 256 };
static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP};
enum { FORWARDED_COUNT = sizeof forwarded_signals / sizeof forwarded_signals[0] };

static _Atomic pid_t targets[MAX_SANDBOXES];
static atomic_int interrupts[MAX_SANDBOXES];
static pthread_mutex_t registration = PTHREAD_MUTEX_INITIALIZER;
static int registered = 0;
static struct sigaction previous_actions[FORWARDED_COUNT];

static void forward_to_slot(int signal_number, int slot) {
    pid_t pid = atomic_load(&targets[slot]);
    if (pid <= 0) return;
    int is_repeat = signal_number == SIGINT && atomic_fetch_add(&interrupts[slot], 1) >= 1;
    kill(pid, is_repeat ? SIGKILL : signal_number);
}

static void forward_to_all(int signal_number) {
    int saved = errno;
    for (int slot = 0; slot < MAX_SANDBOXES; slot++) forward_to_slot(signal_number, slot);
    errno = saved;
}

static void install_handlers(void) {
    struct sigaction forwarding;
    memset(&forwarding, 0, sizeof forwarding);
    forwarding.sa_handler = forward_to_all;
    forwarding.sa_flags = SA_RESTART;
    sigemptyset(&forwarding.sa_mask);
    for (int i = 0; i < FORWARDED_COUNT; i++) sigaction(forwarded_signals[i], &forwarding, &previous_actions[i]);
}

static void restore_handlers(void) {
    for (int i = 0; i < FORWARDED_COUNT; i++) sigaction(forwarded_signals[i], &previous_actions[i], NULL);
}

int scorpio_signal_forwarding_add(pid_t pid) {
    pthread_mutex_lock(&registration);
    int result = ENOSPC;
    for (int slot = 0; slot < MAX_SANDBOXES; slot++) {
        if (atomic_load(&targets[slot]) != 0) continue;
        atomic_store(&interrupts[slot], 0);
        atomic_store(&targets[slot], pid);
        if (registered++ == 0) install_handlers();
        result = 0;
        break;
    }
    pthread_mutex_unlock(&registration);
    return result;
}

void scorpio_signal_forwarding_remove(pid_t pid) {
    pthread_mutex_lock(&registration);
    for (int slot = 0; slot < MAX_SANDBOXES; slot++) {
        if (atomic_load(&targets[slot]) != pid) continue;
        atomic_store(&targets[slot], 0);
        if (--registered == 0) restore_handlers();
        break;
    }
    pthread_mutex_unlock(&registration);
}

void scorpio_signal_forwarding_deliver(int signal_number, pid_t pid) {
    for (int slot = 0; slot < MAX_SANDBOXES; slot++)
        if (atomic_load(&targets[slot]) == pid) forward_to_slot(signal_number, slot);
}
