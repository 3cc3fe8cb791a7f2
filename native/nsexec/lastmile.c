/*
 * The last step of init: switch to the container user, apply capabilities, no_new_privs and
 * the seccomp filter, and execute the user process. It runs on the thread that calls execve, so
 * per-thread credentials set with raw system calls are exactly what the new image inherits; the
 * runtime's other threads die with the execve.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "berthnative.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static int fail(char *err, size_t errlen, const char *step)
{
    int e = errno;
    snprintf(err, errlen, "%s: %s", step, strerror(e));
    return -e;
}

static void reset_signals(void)
{
    struct kernel_sigaction dfl = {0};
    uint64_t none = 0;
    for (int sig = 1; sig < 65; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
}

static int apply_caps(const struct berth_exec *e, char *err, size_t errlen)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t)e->cap_effective;
    data[1].effective = (uint32_t)(e->cap_effective >> 32);
    data[0].permitted = (uint32_t)e->cap_permitted;
    data[1].permitted = (uint32_t)(e->cap_permitted >> 32);
    data[0].inheritable = (uint32_t)e->cap_inheritable;
    data[1].inheritable = (uint32_t)(e->cap_inheritable >> 32);
    if (syscall(SYS_capset, &hdr, data) < 0)
        return fail(err, errlen, "capset");
    /* CVE-2022-29162: ambient starts empty and holds only what was asked for. */
    if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return fail(err, errlen, "clear ambient capabilities");
    for (int cap = 0; cap <= e->last_cap && cap < 64; cap++) {
        uint64_t bit = 1ULL << cap;
        if (!(e->cap_ambient & bit))
            continue;
        /* The kernel only admits an ambient capability that is also permitted and inheritable;
         * runc skips the others instead of failing (runtime-spec leaves this to the runtime). */
        if (!(e->cap_permitted & bit) || !(e->cap_inheritable & bit))
            continue;
        if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return fail(err, errlen, "raise ambient capability");
    }
    return 0;
}

static int switch_user(const struct berth_exec *e, char *err, size_t errlen)
{
    if (e->ngroups >= 0 && syscall(SYS_setgroups, e->ngroups, e->groups) < 0)
        return fail(err, errlen, "setgroups");
    if (syscall(SYS_setresgid, e->gid, e->gid, e->gid) < 0)
        return fail(err, errlen, "setresgid");
    if (syscall(SYS_setresuid, e->uid, e->uid, e->uid) < 0)
        return fail(err, errlen, "setresuid");
    return 0;
}

static int load_seccomp(const struct berth_exec *e, char *err, size_t errlen)
{
    long rc;
    if (!e->seccomp_filter)
        return 0;
    /* With TSYNC a positive return names a thread that could not be synchronised, and the
     * filter is not installed: anything but 0 is a failure. */
    rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, e->seccomp_flags, e->seccomp_filter);
    if (rc != 0) {
        if (rc > 0)
            errno = ESRCH;
        return fail(err, errlen, "seccomp");
    }
    return 0;
}

int berth_exec_container(const struct berth_exec *e, char *err, size_t errlen)
{
    char cwd[4096];
    int rc;

    /* CVE-2024-21626: no fd of the runtime survives into the container, so a cwd such as
     * /proc/self/fd/N cannot reach a host directory. */
    if (e->close_from >= 3 && e->keep_fd >= e->close_from) {
        /* The kept fd is a fifo, never a directory, so it cannot serve as a cwd either. */
        if (e->keep_fd > e->close_from)
            syscall(SYS_close_range, e->close_from, e->keep_fd - 1, 0);
        syscall(SYS_close_range, e->keep_fd + 1, ~0U, 0);
        if (fcntl(e->keep_fd, F_SETFD, FD_CLOEXEC) < 0)
            return fail(err, errlen, "keep exec fifo");
    } else if (e->close_from >= 3) {
        syscall(SYS_close_range, e->close_from, ~0U, 0);
    }
    reset_signals();

    for (int i = 0; i < e->nrlimits; i++) {
        struct { uint64_t cur, max; } lim = {e->rlimits[i].soft, e->rlimits[i].hard};
        if (syscall(SYS_prlimit64, 0, e->rlimits[i].resource, &lim, NULL) < 0)
            return fail(err, errlen, "setrlimit");
    }

    /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the capability step may
     * drop: then the filter goes in first (as runc and crun do), at the cost of the few system
     * calls below running under it. */
    if (!e->no_new_privs) {
        rc = load_seccomp(e, err, errlen);
        if (rc < 0)
            return rc;
    }

    if (e->set_caps) {
        for (int cap = 0; cap <= e->last_cap; cap++) {
            if (cap < 64 && (e->cap_bounding & (1ULL << cap)))
                continue;
            if (syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
                return fail(err, errlen, "drop bounding capability");
        }
        if (syscall(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            return fail(err, errlen, "prctl PR_SET_KEEPCAPS");
    }
    rc = switch_user(e, err, errlen);
    if (rc < 0)
        return rc;
    if (e->set_caps) {
        if (syscall(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            return fail(err, errlen, "prctl PR_SET_KEEPCAPS");
        rc = apply_caps(e, err, errlen);
        if (rc < 0)
            return rc;
    }
    if (e->umask >= 0)
        umask((mode_t)e->umask);

    if (e->cwd && *e->cwd) {
        if (chdir(e->cwd) < 0) {
            snprintf(err, errlen, "chdir to cwd (\"%s\") set in config.json failed: %s", e->cwd,
                     strerror(errno));
            return -errno;
        }
        /* CVE-2024-21626: a cwd outside the container's root reads as "(unreachable)/...". */
        if (!getcwd(cwd, sizeof cwd) || cwd[0] != '/') {
            errno = EPERM;
            snprintf(err, errlen, "cwd \"%s\" is outside the container's root", e->cwd);
            return -EPERM;
        }
    }

    if (e->no_new_privs && syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return fail(err, errlen, "prctl PR_SET_NO_NEW_PRIVS");
    /* Seccomp last, so that no system call of the runtime itself runs under the filter. */
    if (e->no_new_privs) {
        rc = load_seccomp(e, err, errlen);
        if (rc < 0)
            return rc;
    }

    syscall(SYS_execve, e->path, e->argv, e->envp);
    snprintf(err, errlen, "exec: \"%s\": %s", e->path, strerror(errno));
    return -errno;
}
