/*
 * Thin, architecture-neutral wrappers for the system calls glibc 2.36 has no wrapper for, or
 * whose structures differ between architectures, so that Berth.Linux declares one stable ABI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "berthnative.h"

int berth_pivot_root(const char *new_root, const char *put_old)
{
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int berth_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int berth_fstatat(int dirfd, const char *path, int flags, struct berth_stat *out)
{
    struct stat st;
    if (fstatat(dirfd, path, &st, flags) < 0)
        return -1;
    out->dev = st.st_dev;
    out->ino = st.st_ino;
    out->rdev_major = major(st.st_rdev);
    out->rdev_minor = minor(st.st_rdev);
    out->mode = st.st_mode;
    out->uid = st.st_uid;
    out->gid = st.st_gid;
    out->size = st.st_size;
    return 0;
}

int64_t berth_fstatfs_type(int fd)
{
    struct statfs sfs;
    if (fstatfs(fd, &sfs) < 0)
        return -1;
    return (int64_t)sfs.f_type;
}

uint64_t berth_makedev(uint32_t major_, uint32_t minor_)
{
    return makedev(major_, minor_);
}

int berth_ioctl_int(int fd, unsigned long request, int arg)
{
    return ioctl(fd, request, arg);
}

int berth_ioctl_ptr(int fd, unsigned long request, void *arg)
{
    return ioctl(fd, request, arg);
}

/* Sends one byte with fd attached (SCM_RIGHTS), as runc sends the pty master to a console socket. */
int berth_send_fd(int sock, int fd, const char *name)
{
    char buf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
    struct msghdr msg = {0};
    struct cmsghdr *cmsg;
    memset(buf, 0, sizeof buf);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = buf;
    msg.msg_controllen = sizeof buf;
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int berth_recv_fd(int sock, char *name, int namelen)
{
    char buf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = name, .iov_len = (size_t)(namelen > 0 ? namelen - 1 : 0)};
    struct msghdr msg = {0};
    struct cmsghdr *cmsg;
    ssize_t n;
    int fd = -1;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = buf;
    msg.msg_controllen = sizeof buf;
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -1;
    if (namelen > 0)
        name[n] = '\0';
    cmsg = CMSG_FIRSTHDR(&msg);
    if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) {
        errno = EBADMSG;
        return -1;
    }
    memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
    return fd;
}

/* The mount's flags as MS_* values (statvfs reports ST_* values that differ for relatime). */
int64_t berth_mount_flags(int fd)
{
    struct statvfs sv;
    int64_t flags = 0;
    if (fstatvfs(fd, &sv) < 0)
        return -1;
    if (sv.f_flag & ST_RDONLY) flags |= MS_RDONLY;
    if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sv.f_flag & ST_SYNCHRONOUS) flags |= MS_SYNCHRONOUS;
    if (sv.f_flag & ST_MANDLOCK) flags |= MS_MANDLOCK;
    if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

int berth_mount_setattr(int fd, uint64_t set, uint64_t clear)
{
    struct berth_mount_attr {
        uint64_t attr_set, attr_clr, propagation, userns_fd;
    } attr = {.attr_set = set, .attr_clr = clear};
    /* Changing the atime mode needs the whole atime field cleared first. */
    if (set & 0x70)
        attr.attr_clr |= 0x70;
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
}

int berth_keyctl_join(const char *name)
{
    return (int)syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name, 0, 0, 0);
}

/*
 * A read-only view of the file at path, on a bind mount that is never attached to any mount
 * namespace (open_tree OPEN_TREE_CLONE + mount_setattr, Linux 5.12). Executing from it costs no
 * copy, and a write through /proc/<pid>/exe meets EROFS (CVE-2019-5736). Returns an O_PATH fd.
 */
int berth_open_readonly_clone(const char *path)
{
    struct berth_mount_attr {
        uint64_t attr_set, attr_clr, propagation, userns_fd;
    } attr = {.attr_set = 0x1 /* MOUNT_ATTR_RDONLY */};
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
