/*
 * berthnative: the C part of berth-runtime. Everything here runs where managed code cannot:
 * before the .NET runtime starts (nsexec.c), between fork and exec (spawn.c), and as the
 * last step before the user process (lastmile.c).
 *
 * Init pipe protocol (a SOCK_STREAM socketpair, parent = `berth-runtime create`, child = the
 * re-executed `berth-runtime init`). Every message is a header followed by `len` bytes:
 *
 *     struct { uint32_t type; uint32_t len; } + payload
 *
 *   parent                                   stage-1 (constructor)          init (stage-2)
 *     |-- BOOT_* records ... BOOT_END ------->|
 *     |                                       | joins each v1 cgroup (BOOT_CGROUP_TASKS)
 *     | joins it to cgroup2 unless clone3     | setns(joined namespaces)
 *     | already started it there              |
 *     |-- SYNC_CGROUP_ACK ------------------->| (read whenever it arrives; awaited before
 *     |                                       |  unshare(CLONE_NEWCGROUP) and the clone of init)
 *     |                                       | unshare(CLONE_NEWUSER)?
 *     |<-------------- SYNC_USERMAP (pid) ----|
 *     | writes /proc/pid/{uid,gid}_map        |
 *     |-- SYNC_USERMAP_ACK ------------------>|
 *     |                                       | unshare(other namespaces)
 *     |                                       | clone(CLONE_PARENT) if pid/time ns -----> |
 *     |<-------------- SYNC_PID (init pid) ---| exits                                    |
 *     |                                         .NET starts; managed Init (Berth.Runtime) |
 *     |-- MSG_CONFIG (json) ------------------------------------------------------------>|
 *     |<------------------------------------------------------------- MSG_HOOKS --------| rootfs mounted
 *     | prestart + createRuntime hooks                                                   |
 *     |-- MSG_HOOKS_DONE --------------------------------------------------------------->|
 *     |<------------------------------------------------------------- MSG_READY --------| waits on exec.fifo
 *   any stage may answer MSG_ERROR (a text) instead, then exits non-zero.
 *
 * The version of this protocol is BERTH_PROTOCOL_VERSION, sent in BOOT_VERSION.
 */
#ifndef BERTHNATIVE_H
#define BERTHNATIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BERTH_PROTOCOL_VERSION 1

enum berth_msg_type {
    BOOT_VERSION = 1,      /* u32 protocol version */
    BOOT_CLONE_FLAGS = 2,  /* u32 CLONE_NEW* flags of namespaces to create */
    BOOT_NS_PATH = 3,      /* u32 CLONE_NEW* flag + path of a namespace to join */
    BOOT_UID_MAP = 4,      /* uid_map text; its presence makes stage-1 ask the parent */
    BOOT_GID_MAP = 5,      /* gid_map text */
    BOOT_TIME_OFFSETS = 6, /* text for /proc/self/timens_offsets */
    BOOT_DEBUG = 7,        /* u32 1 to log every stage */
    BOOT_CGROUP_TASKS = 8, /* a cgroup v1 "tasks" file stage-1 writes "0" to, joining it itself */
    BOOT_END = 15,

    SYNC_USERMAP = 0x40,     /* u32 pid whose maps the parent must write */
    SYNC_USERMAP_ACK = 0x41, /* empty */
    SYNC_PID = 0x42,         /* u32 stage-1 pid, u32 init pid (as seen by the parent) */
    SYNC_CGROUP_ACK = 0x43,  /* empty: stage-1 is in the container's cgroup */

    MSG_CONFIG = 0x50,     /* init configuration, JSON */
    MSG_HOOKS = 0x51,      /* rootfs is ready: run prestart/createRuntime hooks */
    MSG_HOOKS_DONE = 0x52, /* empty */
    MSG_READY = 0x53,      /* init is about to wait on the exec fifo */
    MSG_ERROR = 0x4f,      /* text */
};

struct berth_msg_header {
    uint32_t type;
    uint32_t len;
};

/* spawn.c: fork+exec without running managed code in the child. */
struct berth_fd_map {
    int32_t source;
    int32_t target;
};

/*
 * Starts exec_fd (if >= 0, via execveat AT_EMPTY_PATH) or path. Maps each source fd onto its
 * target number (CLOEXEC cleared), closes every other fd >= close_from, resets signal
 * dispositions and the mask, and, when cgroup_fd >= 0, starts the child in that cgroup
 * (CLONE_INTO_CGROUP). Returns the pid and stores a pidfd (or -1) in *pidfd_out; -errno on error.
 */
pid_t berth_spawn(int exec_fd, const char *path, char *const argv[], char *const envp[],
                  const struct berth_fd_map *fds, int nfds, int close_from, int cgroup_fd,
                  int setsid_child, int *pidfd_out);

/* syscalls.c: wrappers with one ABI on every architecture. */
struct berth_stat {
    uint64_t dev;
    uint64_t ino;
    uint32_t rdev_major;
    uint32_t rdev_minor;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t pad;
    int64_t size;
};

int berth_pivot_root(const char *new_root, const char *put_old);
int berth_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);
int berth_fstatat(int dirfd, const char *path, int flags, struct berth_stat *out);
int64_t berth_fstatfs_type(int fd);
uint64_t berth_makedev(uint32_t major_, uint32_t minor_);
int berth_ioctl_int(int fd, unsigned long request, int arg);
int berth_ioctl_ptr(int fd, unsigned long request, void *arg);
int berth_send_fd(int sock, int fd, const char *name);
int berth_recv_fd(int sock, char *name, int namelen);
int64_t berth_mount_flags(int fd);
int berth_mount_setattr(int fd, uint64_t set, uint64_t clear);
int berth_keyctl_join(const char *name);
int berth_open_readonly_clone(const char *path);

/* lastmile.c: the user switch, capabilities, no_new_privs, seccomp and execve. */
struct berth_rlimit {
    uint32_t resource;
    uint64_t soft;
    uint64_t hard;
};

struct berth_exec {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *cwd;
    uint32_t uid;
    uint32_t gid;
    int32_t ngroups; /* -1: leave supplementary groups alone */
    const uint32_t *groups;
    int32_t umask;   /* -1: leave as is */
    int32_t set_caps;
    int32_t last_cap;
    uint64_t cap_bounding;
    uint64_t cap_effective;
    uint64_t cap_permitted;
    uint64_t cap_inheritable;
    uint64_t cap_ambient;
    int32_t no_new_privs;
    int32_t nrlimits;
    const struct berth_rlimit *rlimits;
    const void *seccomp_filter; /* struct sock_fprog, or NULL */
    uint32_t seccomp_flags;     /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
    int32_t close_from;
    /* An fd at or above close_from that stays open, close-on-exec, until execve: the exec fifo,
     * whose last writer going away tells `start` that the process has been executed. */
    int32_t keep_fd;
};

/* Does not return on success. On failure writes "<step>: <strerror>" into err and returns -errno. */
int berth_exec_container(const struct berth_exec *e, char *err, size_t errlen);

#endif
