/*
 * The namespace-entry constructor of `berth-runtime init`.
 *
 * Why a constructor: the kernel refuses unshare(CLONE_NEWUSER) and setns() into a mount or user
 * namespace from a multi-threaded process, and the .NET runtime starts threads before Main.
 * ELF constructors run before NativeAOT initialises the runtime, while the process still has
 * exactly one thread, so namespace entry happens here and everything after it is managed code.
 * The protocol with the parent is drawn in berthnative.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "berthnative.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define MAX_JOIN 16
#define MAX_CGROUPS 32
#define MAX_TEXT 8192

struct bootstrap {
    uint32_t version;
    uint32_t clone_flags;
    int njoin;
    uint32_t join_flag[MAX_JOIN];
    char join_path[MAX_JOIN][256];
    char uid_map[MAX_TEXT];
    char gid_map[MAX_TEXT];
    char time_offsets[512];
    int has_uid_map;
    int has_gid_map;
    int has_time_offsets;
    uint32_t debug;
    int ncgroups;
    char cgroup_tasks[MAX_CGROUPS][512];
};

static int init_fd = -1;
static int cgroup_ready;
static int log_fd = -1;
static int stage = 1;
static int debug;

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One JSON line per event on the log pipe, in the shape runc's stages use. */
__attribute__((format(printf, 2, 0))) static void log_line(const char *level, const char *fmt, va_list ap)
{
    char msg[1024], line[1400];
    int i = 0;
    if (log_fd < 0)
        return;
    vsnprintf(msg, sizeof msg, fmt, ap);
    i = snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"nsexec-%d[%d]: ", level, stage,
                 (int)getpid());
    for (const char *c = msg; *c && i < (int)sizeof line - 12; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch == '"' || ch == '\\') {
            line[i++] = '\\';
            line[i++] = (char)ch;
        } else if (ch < 0x20) {
            /* JSON allows no raw control characters; containerd would drop the line. */
            i += snprintf(line + i, sizeof line - (size_t)i, "\\u%04x", ch);
        } else {
            line[i++] = (char)ch;
        }
    }
    i += snprintf(line + i, sizeof line - (size_t)i, "\"}\n");
    write_all(log_fd, line, (size_t)i);
}

__attribute__((format(printf, 2, 3))) static void logf_level(const char *level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}

#define debugf(...)                             \
    do {                                        \
        if (debug)                              \
            logf_level("debug", __VA_ARGS__);   \
    } while (0)

static void send_msg(uint32_t type, const void *payload, uint32_t len)
{
    struct berth_msg_header h = {.type = type, .len = len};
    write_all(init_fd, &h, sizeof h);
    if (len)
        write_all(init_fd, payload, len);
}

__attribute__((noreturn, format(printf, 1, 2))) static void bail(const char *fmt, ...)
{
    char msg[1024];
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (saved) {
        size_t n = strlen(msg);
        snprintf(msg + n, sizeof msg - n, ": %s", strerror(saved));
    }
    logf_level("error", "%s", msg);
    send_msg(MSG_ERROR, msg, (uint32_t)strlen(msg));
    _exit(1);
}

static void read_text(char *dst, size_t cap, uint32_t len)
{
    if (len >= cap)
        bail("bootstrap: record of %u bytes is too long", len);
    if (read_all(init_fd, dst, len) < 0)
        bail("bootstrap: short read");
    dst[len] = '\0';
}

static uint32_t read_u32(uint32_t len)
{
    uint32_t v;
    if (len != sizeof v || read_all(init_fd, &v, sizeof v) < 0)
        bail("bootstrap: bad u32 record");
    return v;
}

static void read_bootstrap(struct bootstrap *b)
{
    memset(b, 0, sizeof *b);
    for (;;) {
        struct berth_msg_header h;
        errno = 0;
        if (read_all(init_fd, &h, sizeof h) < 0)
            bail("bootstrap: parent closed the init pipe");
        switch (h.type) {
        case BOOT_VERSION:
            b->version = read_u32(h.len);
            break;
        case BOOT_CLONE_FLAGS:
            b->clone_flags = read_u32(h.len);
            break;
        case BOOT_NS_PATH:
            if (b->njoin == MAX_JOIN || h.len < 5)
                bail("bootstrap: bad namespace path record");
            if (read_all(init_fd, &b->join_flag[b->njoin], 4) < 0)
                bail("bootstrap: short read");
            read_text(b->join_path[b->njoin], sizeof b->join_path[0], h.len - 4);
            b->njoin++;
            break;
        case BOOT_UID_MAP:
            read_text(b->uid_map, sizeof b->uid_map, h.len);
            b->has_uid_map = 1;
            break;
        case BOOT_GID_MAP:
            read_text(b->gid_map, sizeof b->gid_map, h.len);
            b->has_gid_map = 1;
            break;
        case BOOT_TIME_OFFSETS:
            read_text(b->time_offsets, sizeof b->time_offsets, h.len);
            b->has_time_offsets = 1;
            break;
        case BOOT_DEBUG:
            b->debug = read_u32(h.len);
            break;
        case BOOT_CGROUP_TASKS:
            if (b->ncgroups == MAX_CGROUPS)
                bail("bootstrap: too many cgroups");
            read_text(b->cgroup_tasks[b->ncgroups], sizeof b->cgroup_tasks[0], h.len);
            b->ncgroups++;
            break;
        case BOOT_END:
            if (b->version != BERTH_PROTOCOL_VERSION)
                bail("bootstrap: protocol version %u, want %d", b->version, BERTH_PROTOCOL_VERSION);
            return;
        default:
            bail("bootstrap: unknown record type %u", h.type);
        }
    }
}

static const char *ns_name(uint32_t flag)
{
    switch (flag) {
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWNS: return "mnt";
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWNET: return "net";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWCGROUP: return "cgroup";
    case CLONE_NEWTIME: return "time";
    default: return "unknown";
    }
}

/*
 * Opens every namespace first (a joined mount namespace changes how later paths resolve), then
 * enters the user namespace before the others, which it owns, and the mount namespace last.
 */
static void join_namespaces(const struct bootstrap *b)
{
    int fds[MAX_JOIN];
    static const uint32_t order[] = {CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET,
                                     CLONE_NEWPID, CLONE_NEWCGROUP, CLONE_NEWTIME, CLONE_NEWNS};
    for (int i = 0; i < b->njoin; i++) {
        fds[i] = open(b->join_path[i], O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0)
            bail("open %s namespace %s", ns_name(b->join_flag[i]), b->join_path[i]);
    }
    for (size_t o = 0; o < sizeof order / sizeof order[0]; o++) {
        for (int i = 0; i < b->njoin; i++) {
            if (b->join_flag[i] != order[o])
                continue;
            debugf("setns %s %s", ns_name(order[o]), b->join_path[i]);
            if (setns(fds[i], (int)order[o]) < 0)
                bail("setns %s namespace %s", ns_name(order[o]), b->join_path[i]);
            close(fds[i]);
        }
    }
}

static int has_join(const struct bootstrap *b, uint32_t flag)
{
    for (int i = 0; i < b->njoin; i++)
        if (b->join_flag[i] == flag)
            return 1;
    return 0;
}

static void wait_for_user_map(const struct bootstrap *b)
{
    struct berth_msg_header h;
    uint32_t pid = (uint32_t)getpid();
    /* The parent writes /proc/<pid>/uid_map; it may only do so while we are dumpable. */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
        bail("prctl PR_SET_DUMPABLE");
    debugf("asking the parent to write uid/gid maps");
    send_msg(SYNC_USERMAP, &pid, sizeof pid);
    for (;;) {
        errno = 0;
        if (read_all(init_fd, &h, sizeof h) < 0)
            bail("user namespace: the parent did not write the id maps");
        if (h.type == SYNC_CGROUP_ACK && h.len == 0) {
            cgroup_ready = 1;
            continue;
        }
        if (h.type != SYNC_USERMAP_ACK)
            bail("user namespace: unexpected message %u", h.type);
        break;
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        bail("prctl PR_SET_DUMPABLE");
    (void)b;
}

/*
 * A single-threaded process moving itself through a v1 "tasks" file skips the threadgroup lock
 * whose RCU grace period makes a cgroup.procs write from the parent cost ~10 ms per container.
 */
static void join_cgroups(const struct bootstrap *b)
{
    for (int i = 0; i < b->ncgroups; i++) {
        int fd = open(b->cgroup_tasks[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            bail("open %s", b->cgroup_tasks[i]);
        if (write(fd, "0", 1) != 1)
            bail("join cgroup %s", b->cgroup_tasks[i]);
        close(fd);
    }
}

/* The parent moves us into the container's cgroup while we enter namespaces; a new cgroup
 * namespace and the init process (which inherits the cgroup) must wait for it. */
static void wait_for_cgroup(void)
{
    struct berth_msg_header h;
    while (!cgroup_ready) {
        errno = 0;
        if (read_all(init_fd, &h, sizeof h) < 0)
            bail("cgroup: the parent did not place us in the container's cgroup");
        if (h.type != SYNC_CGROUP_ACK || h.len != 0)
            bail("cgroup: unexpected message %u", h.type);
        cgroup_ready = 1;
    }
}

static void become_root_in_userns(void)
{
    if (setresgid(0, 0, 0) < 0)
        bail("setresgid to 0 in the user namespace");
    if (setresuid(0, 0, 0) < 0)
        bail("setresuid to 0 in the user namespace");
}

static void write_time_offsets(const char *text)
{
    int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        bail("open /proc/self/timens_offsets");
    if (write(fd, text, strlen(text)) < 0)
        bail("write /proc/self/timens_offsets");
    close(fd);
}

static int env_fd(const char *name)
{
    const char *v = getenv(name);
    char *end;
    long fd;
    if (!v || !*v)
        return -1;
    fd = strtol(v, &end, 10);
    return (*end || fd < 0 || fd > 65535) ? -1 : (int)fd;
}

__attribute__((constructor)) static void berth_nsexec(void)
{
    struct bootstrap *b;
    uint32_t create, pids[2];
    pid_t child;

    init_fd = env_fd("_BERTH_INITPIPE");
    if (init_fd < 0)
        return;
    log_fd = env_fd("_BERTH_LOGPIPE");

    /* CVE-2016-9962: nothing in the container may ptrace us or open our fds while we hold host
     * resources; stay non-dumpable until the user process is executed. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        bail("prctl PR_SET_DUMPABLE");
    prctl(PR_SET_NAME, "berth:[1:CHILD]", 0, 0, 0);

    b = calloc(1, sizeof *b);
    if (!b)
        bail("bootstrap: out of memory");
    read_bootstrap(b);
    debug = (int)b->debug;
    create = b->clone_flags;
    debugf("bootstrap read: create 0x%x, join %d", create, b->njoin);

    /* Host paths: before a joined mount namespace changes what they mean. */
    join_cgroups(b);
    join_namespaces(b);
    if (has_join(b, CLONE_NEWUSER))
        become_root_in_userns();

    if (create & CLONE_NEWUSER) {
        if (unshare(CLONE_NEWUSER) < 0)
            bail("unshare user namespace");
        if (b->has_uid_map || b->has_gid_map)
            wait_for_user_map(b);
        become_root_in_userns();
    }

    if (create & ~(uint32_t)(CLONE_NEWUSER | CLONE_NEWCGROUP)) {
        uint32_t flags = create & ~(uint32_t)(CLONE_NEWUSER | CLONE_NEWCGROUP);
        debugf("unshare 0x%x", flags);
        if (unshare((int)flags) < 0)
            bail("unshare namespaces 0x%x", flags);
    }
    /* A new cgroup namespace is rooted at the cgroup of its creator: the container's. */
    wait_for_cgroup();
    debugf("in the container's cgroup");
    if ((create & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
        bail("unshare cgroup namespace");
    if (b->has_time_offsets && (create & CLONE_NEWTIME))
        write_time_offsets(b->time_offsets);

    /* A new or joined pid or time namespace only applies to children. CLONE_PARENT makes init a
     * sibling of this stage, a direct child of the parent, which can then wait for it. */
    pids[0] = (uint32_t)getpid();
    if (create & (CLONE_NEWPID | CLONE_NEWTIME) || has_join(b, CLONE_NEWPID) ||
        has_join(b, CLONE_NEWTIME)) {
        child = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (child < 0)
            bail("clone init process");
        if (child > 0) {
            pids[1] = (uint32_t)child;
            send_msg(SYNC_PID, pids, sizeof pids);
            _exit(0);
        }
    } else {
        pids[1] = pids[0];
        send_msg(SYNC_PID, pids, sizeof pids);
    }

    stage = 2;
    prctl(PR_SET_NAME, "berth:[2:INIT]", 0, 0, 0);
    if (setsid() < 0)
        bail("setsid");
    debugf("entering managed init");
    free(b);
}
