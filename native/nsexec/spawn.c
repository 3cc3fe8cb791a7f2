/*
 * Process creation for a multi-threaded .NET parent. Managed code never forks: after a fork
 * only the calling thread exists and the runtime's locks may be held by threads that are gone,
 * so the child runs only raw system calls until it executes the new image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berthnative.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

/* Signals the parent ignores (SIGPIPE in .NET) would stay ignored across execve. */
static void reset_signals(void)
{
    struct kernel_sigaction dfl = {0};
    uint64_t none = 0;
    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
}

static __attribute__((noreturn)) void child_fail(int pipe_fd, int err)
{
    if (pipe_fd >= 0)
        syscall(SYS_write, pipe_fd, &err, sizeof err);
    syscall(SYS_exit_group, 127);
    __builtin_unreachable();
}

static void child_main(int err_fd, int exec_fd, const char *path, char *const argv[],
                       char *const envp[], const struct berth_fd_map *fds, int nfds,
                       int close_from, int setsid_child)
{
    int high = close_from > 3 ? close_from : 3;
    int moved[256];
    if (nfds > 256)
        child_fail(err_fd, E2BIG);
    reset_signals();
    if (setsid_child && syscall(SYS_setsid) < 0)
        child_fail(err_fd, errno);
    for (int i = 0; i < nfds; i++)
        if (fds[i].target >= high)
            high = fds[i].target + 1;
    if (err_fd >= high)
        high = err_fd + 1;
    if (exec_fd >= high)
        high = exec_fd + 1;
    /* Move every source above all targets first, so that mapping one fd cannot clobber the
     * source of another. */
    for (int i = 0; i < nfds; i++) {
        moved[i] = (int)syscall(SYS_fcntl, fds[i].source, F_DUPFD_CLOEXEC, high + nfds + 8);
        if (moved[i] < 0)
            child_fail(err_fd, errno);
    }
    /* The image to execute may sit on a target number too. */
    if (exec_fd >= 0) {
        exec_fd = (int)syscall(SYS_fcntl, exec_fd, F_DUPFD_CLOEXEC, high + nfds + 8);
        if (exec_fd < 0)
            child_fail(err_fd, errno);
    }
    for (int i = 0; i < nfds; i++)
        if (syscall(SYS_dup3, moved[i], fds[i].target, 0) < 0)
            child_fail(err_fd, errno);
    if (close_from >= 0) {
        /* Everything else that is not the error pipe or the image closes on exec. */
        syscall(SYS_close_range, close_from, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
    }
    if (exec_fd >= 0)
        syscall(SYS_execveat, exec_fd, "", argv, envp, AT_EMPTY_PATH);
    else
        syscall(SYS_execve, path, argv, envp);
    child_fail(err_fd, errno);
}

pid_t berth_spawn(int exec_fd, const char *path, char *const argv[], char *const envp[],
                  const struct berth_fd_map *fds, int nfds, int close_from, int cgroup_fd,
                  int setsid_child, int *pidfd_out)
{
    int errpipe[2], child_err = 0, pidfd = -1;
    struct clone_args args;
    long pid;
    ssize_t n;

    if (pipe2(errpipe, O_CLOEXEC) < 0)
        return -errno;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)cgroup_fd;
    }
    pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && (errno == ENOSYS || errno == E2BIG) && cgroup_fd < 0) {
        pidfd = -1;
        pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    }
    if (pid < 0) {
        int e = errno;
        close(errpipe[0]);
        close(errpipe[1]);
        return -e;
    }
    if (pid == 0)
        child_main(errpipe[1], exec_fd, path, argv, envp, fds, nfds, close_from, setsid_child);

    close(errpipe[1]);
    /* EOF means the exec succeeded (the write end was close-on-exec); 4 bytes are its errno. */
    do
        n = read(errpipe[0], &child_err, sizeof child_err);
    while (n < 0 && errno == EINTR);
    close(errpipe[0]);
    if (n == sizeof child_err) {
        int status;
        while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (pidfd >= 0)
            close(pidfd);
        return -child_err;
    }
    if (pidfd_out)
        *pidfd_out = pidfd;
    else if (pidfd >= 0)
        close(pidfd);
    return (pid_t)pid;
}
