// Thin wrappers over the Linux calls the zero-copy forwarder needs (splice, pipe2, accept4, epoll, eventfd),
// so that Swift sees plain ints instead of GNU-only declarations and packed structs.
// Every function answers -errno on failure.
#ifndef GOLEM_C_FORWARDING_H
#define GOLEM_C_FORWARDING_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this build has the splice engine (Linux), 0 elsewhere.
int gp_splice_supported(void);

/// A non-blocking listening TCP socket on host:port (port 0: any); *bound_port receives the real port.
int gp_listen(const char *host, int port, int backlog, int *bound_port);
/// Accepts one connection (non-blocking, close-on-exec, TCP_NODELAY).
int gp_accept(int listener);
/// Starts a non-blocking connect to host:port (numeric addresses; names are resolved, blocking).
int gp_connect(const char *host, int port);
/// The pending error of a socket (0 when a connect succeeded).
int gp_socket_error(int fd);
int gp_shutdown_write(int fd);

/// A non-blocking pipe; its capacity is raised towards `capacity` bytes when the system allows.
/// Answers the capacity granted.
int gp_pipe(int fds[2], int capacity);
/// Moves up to `length` bytes from `from` to `to` inside the kernel (one end must be a pipe).
long gp_splice(int from, int to, size_t length);

int gp_epoll_create(void);
/// `events` uses the GP_EV_* bits; `edge` selects edge-triggered mode.
int gp_epoll_add(int epoll, int fd, uint32_t events, int edge);
int gp_epoll_remove(int epoll, int fd);
/// Waits up to `timeout_ms`; fills fds[i] and events[i] (GP_EV_* bits) and answers how many.
int gp_epoll_wait(int epoll, int *fds, uint32_t *events, int max, int timeout_ms);

int gp_eventfd(void);
int gp_eventfd_signal(int fd);
int gp_eventfd_drain(int fd);
void gp_ignore_sigpipe(void);

#define GP_EV_IN 1u
#define GP_EV_OUT 2u
#define GP_EV_ERR 4u
#define GP_EV_HUP 8u
#define GP_EV_RDHUP 16u

#endif
