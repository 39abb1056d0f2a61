#define _GNU_SOURCE
#include "CForwarding.h"

#ifdef __linux__
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

int gp_splice_supported(void) { return 1; }

// Parses a numeric IPv4/IPv6 address, or resolves a name (blocking; VM addresses are numeric).
static int address_of(const char *host, int port, struct sockaddr_storage *out, socklen_t *length) {
    memset(out, 0, sizeof(*out));
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *length = sizeof(*v4);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *length = sizeof(*v6);
        return 0;
    }
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_socktype = SOCK_STREAM;
    char service[8];
    snprintf(service, sizeof(service), "%d", port);
    if (getaddrinfo(host, service, &hints, &found) != 0 || found == NULL) return -EHOSTUNREACH;
    memcpy(out, found->ai_addr, found->ai_addrlen);
    *length = found->ai_addrlen;
    freeaddrinfo(found);
    return 0;
}

// A non-blocking TCP socket for host:port, its address in *address; -errno on failure.
static int open_socket(const char *host, int port, struct sockaddr_storage *address, socklen_t *length) {
    int status = address_of(host, port, address, length);
    if (status < 0) return status;
    int fd = socket(address->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

int gp_listen(const char *host, int port, int backlog, int *bound_port) {
    struct sockaddr_storage address;
    socklen_t length;
    int fd = open_socket(host, port, &address, &length);
    if (fd < 0) return fd;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&address, length) < 0 || listen(fd, backlog) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    length = sizeof(address);
    getsockname(fd, (struct sockaddr *)&address, &length);
    *bound_port = ntohs(address.ss_family == AF_INET ? ((struct sockaddr_in *)&address)->sin_port
                                                     : ((struct sockaddr_in6 *)&address)->sin6_port);
    return fd;
}

int gp_accept(int listener) {
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int gp_connect(const char *host, int port) {
    struct sockaddr_storage address;
    socklen_t length;
    int fd = open_socket(host, port, &address, &length);
    if (fd < 0) return fd;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&address, length) < 0 && errno != EINPROGRESS) {
        int error = errno;
        close(fd);
        return -error;
    }
    return fd;
}

int gp_socket_error(int fd) {
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return errno;
    return error;
}

int gp_shutdown_write(int fd) { return shutdown(fd, SHUT_WR) < 0 ? -errno : 0; }

int gp_pipe(int fds[2], int capacity) {
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) return -errno;
    if (capacity > 0) fcntl(fds[1], F_SETPIPE_SZ, capacity);  // best effort: the default 64 KiB also works
    int granted = fcntl(fds[1], F_GETPIPE_SZ);
    return granted > 0 ? granted : 65536;
}

long gp_splice(int from, int to, size_t length) {
    ssize_t moved = splice(from, NULL, to, NULL, length, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    return moved < 0 ? -errno : (long)moved;
}

int gp_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int gp_epoll_add(int epoll, int fd, uint32_t events, int edge) {
    struct epoll_event event = {0};
    if (events & GP_EV_IN) event.events |= EPOLLIN;
    if (events & GP_EV_OUT) event.events |= EPOLLOUT;
    if (events & GP_EV_RDHUP) event.events |= EPOLLRDHUP;
    if (edge) event.events |= EPOLLET;
    event.data.fd = fd;
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) < 0 ? -errno : 0;
}

int gp_epoll_remove(int epoll, int fd) {
    return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

int gp_epoll_wait(int epoll, int *fds, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event ready[256];
    if (max > 256) max = 256;
    int count = epoll_wait(epoll, ready, max, timeout_ms);
    if (count < 0) return -errno;
    for (int i = 0; i < count; i++) {
        uint32_t bits = 0;
        if (ready[i].events & EPOLLIN) bits |= GP_EV_IN;
        if (ready[i].events & EPOLLOUT) bits |= GP_EV_OUT;
        if (ready[i].events & EPOLLERR) bits |= GP_EV_ERR;
        if (ready[i].events & EPOLLHUP) bits |= GP_EV_HUP;
        if (ready[i].events & EPOLLRDHUP) bits |= GP_EV_RDHUP;
        fds[i] = ready[i].data.fd;
        events[i] = bits;
    }
    return count;
}

int gp_eventfd(void) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int gp_eventfd_signal(int fd) {
    uint64_t one = 1;
    return write(fd, &one, sizeof(one)) < 0 ? -errno : 0;
}

int gp_eventfd_drain(int fd) {
    uint64_t value;
    return read(fd, &value, sizeof(value)) < 0 ? -errno : 0;
}

void gp_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

#else
int gp_splice_supported(void) { return 0; }
#endif
