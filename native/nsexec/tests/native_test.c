/*
 * Tests of the C helpers that run without the .NET runtime: the spawn helper's fd mapping and
 * close-on-exec handling, and the fd passing used for console sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../berthnative.h"

static int failures, passes;

#define CHECK(cond, name)                                       \
    do {                                                        \
        if (cond) {                                             \
            passes++;                                           \
        } else {                                                \
            failures++;                                         \
            fprintf(stderr, "FAIL %s (%s:%d)\n", name, __FILE__, __LINE__); \
        }                                                       \
    } while (0)

static int run_sh(const char *script, const struct berth_fd_map *fds, int nfds, int close_from)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    int status, pidfd = -1;
    pid_t pid = berth_spawn(-1, "/bin/sh", argv, envp, fds, nfds, close_from, -1, 0, &pidfd);
    if (pid < 0)
        return -1000 + pid;
    waitpid(pid, &status, 0);
    if (pidfd >= 0)
        close(pidfd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void spawn_maps_fds_to_their_targets(void)
{
    int p[2];
    char buf[16] = {0};
    struct berth_fd_map map[] = {{0, 0}, {0, 7}};
    pipe2(p, O_CLOEXEC);
    map[1].source = p[1];
    CHECK(run_sh("echo hi >&7", map + 1, 1, 8) == 0, "mapped fd is open in the child");
    close(p[1]);
    read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    CHECK(strcmp(buf, "hi\n") == 0, "child wrote through the mapped fd");
}

static void spawn_closes_unmapped_fds(void)
{
    int fd = open("/dev/null", O_RDONLY); /* deliberately not CLOEXEC */
    char script[64];
    snprintf(script, sizeof script, "test -e /proc/self/fd/%d && exit 1; exit 0", fd);
    CHECK(run_sh(script, NULL, 0, 3) == 0, "an inherited fd above close_from is closed");
    close(fd);
}

static void spawn_swaps_crossing_fds(void)
{
    /* source 8 -> target 9 and source 9 -> target 8 must not clobber each other. */
    int a = open("/dev/null", O_RDONLY | O_CLOEXEC), b = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    struct berth_fd_map map[2];
    dup2(a, 8);
    dup2(b, 9);
    map[0] = (struct berth_fd_map){8, 9};
    map[1] = (struct berth_fd_map){9, 8};
    CHECK(run_sh("test \"$(readlink /proc/self/fd/9)\" = /dev/null && test \"$(readlink /proc/self/fd/8)\" = /dev/zero",
                 map, 2, 10) == 0, "crossing fd maps land on the right targets");
    close(8);
    close(9);
    close(a);
    close(b);
}

static void spawn_executes_an_image_fd_that_a_mapping_overwrites(void)
{
    /* exec_fd 7 is also the target of a mapping: the image must survive the dup3 onto 7. */
    int img = open("/bin/sh", O_RDONLY | O_CLOEXEC), null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char *argv[] = {"sh", "-c", "test \"$(readlink /proc/self/fd/7)\" = /dev/null", NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    struct berth_fd_map map[] = {{null, 7}};
    int status = -1;
    pid_t pid;
    dup2(img, 7);
    close(img);
    pid = berth_spawn(7, NULL, argv, envp, map, 1, 8, -1, 0, NULL);
    if (pid > 0)
        waitpid(pid, &status, 0);
    CHECK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "exec fd on a target number still executes");
    close(7);
    close(null);
}

static void spawn_reports_exec_errors(void)
{
    char *argv[] = {"nope", NULL};
    char *envp[] = {NULL};
    pid_t pid = berth_spawn(-1, "/nonexistent/binary", argv, envp, NULL, 0, 3, -1, 0, NULL);
    CHECK(pid == -ENOENT, "exec failure comes back as -ENOENT");
}

static void spawn_resets_ignored_signals(void)
{
    signal(SIGPIPE, SIG_IGN);
    CHECK(run_sh("grep -q 'SigIgn:\t0000000000000000' /proc/self/status", NULL, 0, 3) == 0,
          "signals ignored by the parent are default in the child");
    signal(SIGPIPE, SIG_DFL);
}

static void send_and_receive_an_fd(void)
{
    int sv[2], fd, got;
    char name[64];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(berth_send_fd(sv[0], fd, "/dev/pts/9") == 0, "send_fd succeeds");
    got = berth_recv_fd(sv[1], name, sizeof name);
    CHECK(got >= 0 && strcmp(name, "/dev/pts/9") == 0, "recv_fd returns an fd and the name");
    close(fd);
    if (got >= 0)
        close(got);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    spawn_maps_fds_to_their_targets();
    spawn_closes_unmapped_fds();
    spawn_swaps_crossing_fds();
    spawn_reports_exec_errors();
    spawn_executes_an_image_fd_that_a_mapping_overwrites();
    spawn_resets_ignored_signals();
    send_and_receive_an_fd();
    printf("%d passed, %d failed\n", passes, failures);
    return failures ? 1 : 0;
}
