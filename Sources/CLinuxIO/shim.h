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

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <fcntl.h>

// pipe2 is a GNU extension too: a close-on-exec pipe (the child gets only the
// write end, through dup2, which clears the flag on its copy).
extern int pipe2(int pipefd[2], int flags);
static inline int CLinuxIO_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

// execvpe is a GNU extension as well.
extern int execvpe(const char *file, char *const argv[], char *const envp[]);

// Starts `argv` (PATH searched) in its own process group with stdout and
// stderr on `output_fd`, stdin on /dev/null, signals unblocked, and `envp`
// as its environment (NULL: the supervisor's own). The child
// asks the kernel to SIGKILL it when the forking thread (the supervisor's,
// which lives as long as the supervisor) dies, so a killed supervisor never
// leaves orphans. Only async-signal-safe calls run between fork and exec.
// Returns the pid, or -1 with errno set.
static inline int CLinuxIO_spawn(char *const argv[], char *const envp[], int output_fd, const char *directory) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);   // the parent died before prctl
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < 32; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) { dup2(null_fd, 0); if (null_fd > 2) close(null_fd); }
    dup2(output_fd, 1);
    dup2(output_fd, 2);
    if (output_fd > 2) close(output_fd);
    if (directory && chdir(directory) != 0) _exit(126);
    if (envp) execvpe(argv[0], argv, envp); else execvp(argv[0], argv);
    _exit(127);
}

#include <sys/un.h>
#include <string.h>
#include <errno.h>

// Fills a sockaddr_un for `path`; 0, or -1 with errno ENAMETOOLONG.
static inline int CLinuxIO_unix_address(const char *path, struct sockaddr_un *address) {
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof(address->sun_path)) { errno = ENAMETOOLONG; return -1; }
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path, path, length + 1);
    return 0;
}

// bind(2) of `fd` to the Unix-domain socket path `path`.
static inline int CLinuxIO_unix_bind(int fd, const char *path) {
    struct sockaddr_un address;
    if (CLinuxIO_unix_address(path, &address) != 0) return -1;
    return bind(fd, (struct sockaddr *)&address, sizeof(address));
}

// connect(2) of `fd` to the Unix-domain socket path `path`.
static inline int CLinuxIO_unix_connect(int fd, const char *path) {
    struct sockaddr_un address;
    if (CLinuxIO_unix_address(path, &address) != 0) return -1;
    return connect(fd, (struct sockaddr *)&address, sizeof(address));
}

// Names the calling thread as top -H, perf and /proc/PID/task/TID/comm show
// it; the kernel keeps the first 15 bytes. (Foundation's Thread.name reaches
// the kernel only when its setter wins a race with Thread.start on Linux.)
static inline void CLinuxIO_name_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }
