// A new network namespace starts with `lo` down; bring it up.
#define _GNU_SOURCE
#include "internal.h"
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int scorpio_loopback_up(scorpio_failure *failure) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return scorpio_failed(failure, "loopback socket", NULL);
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFFLAGS, &request) != 0) {
        scorpio_failed(failure, "loopback get flags", "lo");
        close(sock);
        return -1;
    }
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(sock, SIOCSIFFLAGS, &request) != 0) {
        scorpio_failed(failure, "loopback up", "lo");
        close(sock);
        return -1;
    }
    close(sock);
    return 0;
}
