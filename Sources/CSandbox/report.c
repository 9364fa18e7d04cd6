// The failure report: "step subject: error text", written without allocating.
#define _GNU_SOURCE
#include "internal.h"
#include <string.h>
#include <unistd.h>

static size_t append(char *buffer, size_t used, size_t capacity, const char *text) {
    while (text != NULL && *text != '\0' && used + 1 < capacity) buffer[used++] = *text++;
    buffer[used] = '\0';
    return used;
}

static const char *error_text(int error) {
    const char *text = strerrordesc_np(error);
    return text != NULL ? text : "unknown error";
}

void scorpio_report(int report_fd, const scorpio_failure *failure) {
    char message[1024];
    size_t used = append(message, 0, sizeof message, failure->step);
    if (failure->subject != NULL) {
        used = append(message, used, sizeof message, " ");
        used = append(message, used, sizeof message, failure->subject);
    }
    used = append(message, used, sizeof message, ": ");
    used = append(message, used, sizeof message, error_text(failure->error));
    const char *cursor = message;
    while (used > 0) {
        ssize_t written = write(report_fd, cursor, used);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        cursor += written;
        used -= (size_t)written;
    }
}
