// Linux I/O declarations that Glibc's Swift module does not export.
#include <stddef.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

// accept4 is a GNU extension (hidden without _GNU_SOURCE, which would also
// change sockaddr arguments for every other socket call); declare it alone.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

// Accepts without the peer address: the server does not use it.
static inline int CLinuxIO_accept(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }
