using System.Text;
using Berth.Linux.Interop;

namespace Berth.Linux;

/// <summary>Typed wrappers over <see cref="Libc"/> and <see cref="BerthNative"/>: errno becomes a <see cref="LinuxException"/>.</summary>
public static unsafe partial class Sys
{
    public static void Mount(string? source, string target, string? fstype, ulong flags, string? data)
    {
        if (Libc.Mount(source, target, fstype, flags, string.IsNullOrEmpty(data) ? null : data) != 0)
        {
            var what = source is null or "" ? fstype ?? "" : source;
            throw LinuxException.FromLastError($"mount {what} to", target);
        }
    }

    public static void Umount(string target, int flags)
    {
        if (Libc.Umount2(target, flags) != 0)
            throw LinuxException.FromLastError("umount", target);
    }

    public static void PivotRoot(string newRoot, string putOld)
    {
        if (BerthNative.PivotRoot(newRoot, putOld) != 0)
            throw LinuxException.FromLastError("pivot_root", newRoot);
    }

    public static void Chdir(string path)
    {
        if (Libc.Chdir(path) != 0)
            throw LinuxException.FromLastError("chdir", path);
    }

    public static void Chroot(string path)
    {
        if (Libc.Chroot(path) != 0)
            throw LinuxException.FromLastError("chroot", path);
    }

    public static UnixFd Open(string path, int flags, uint mode = 0)
    {
        var fd = Libc.Open(path, flags | OpenFlags.O_CLOEXEC, mode);
        return fd >= 0 ? new UnixFd(fd) : throw LinuxException.FromLastError("open", path);
    }

    public static UnixFd OpenAt(int dirfd, string path, int flags, uint mode = 0)
    {
        var fd = Libc.Openat(dirfd, path, flags | OpenFlags.O_CLOEXEC, mode);
        return fd >= 0 ? new UnixFd(fd) : throw LinuxException.FromLastError("open", path);
    }

    /// <summary>Opens <paramref name="path"/> with the kernel confining every step to <paramref name="rootFd"/>.</summary>
    public static UnixFd OpenInRoot(int rootFd, string path, int flags, string displayPath, uint mode = 0)
    {
        var fd = BerthNative.Openat2(rootFd, path, (ulong)(flags | OpenFlags.O_CLOEXEC), mode,
            Resolve.RESOLVE_IN_ROOT | Resolve.RESOLVE_NO_MAGICLINKS);
        return fd >= 0 ? new UnixFd(fd) : throw LinuxException.FromLastError("open", displayPath);
    }

    public static int TryOpenInRoot(int rootFd, string path, int flags, out UnixFd? fd, uint mode = 0)
    {
        var raw = BerthNative.Openat2(rootFd, path, (ulong)(flags | OpenFlags.O_CLOEXEC), mode,
            Resolve.RESOLVE_IN_ROOT | Resolve.RESOLVE_NO_MAGICLINKS);
        fd = raw >= 0 ? new UnixFd(raw) : null;
        return raw >= 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
    }

    public static BerthNative.Stat Fstat(int fd, string displayPath)
    {
        BerthNative.Stat st;
        if (BerthNative.Fstatat(fd, "", AtFlags.AT_EMPTY_PATH, &st) != 0)
            throw LinuxException.FromLastError("stat", displayPath);
        return st;
    }

    public static bool TryLstat(string path, out BerthNative.Stat st)
    {
        BerthNative.Stat s;
        var ok = BerthNative.Fstatat(AtFlags.AT_FDCWD, path, AtFlags.AT_SYMLINK_NOFOLLOW, &s) == 0;
        st = s;
        return ok;
    }

    public static long FsType(int fd, string displayPath)
    {
        var t = BerthNative.FstatfsType(fd);
        return t >= 0 ? t : throw LinuxException.FromLastError("statfs", displayPath);
    }

    public static void MkdirAt(int dirfd, string name, uint mode, string displayPath)
    {
        if (Libc.Mkdirat(dirfd, name, mode) != 0)
        {
            var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (err != Errno.EEXIST)
                throw new LinuxException(err, "mkdir", displayPath);
        }
    }

    public static void MknodAt(int dirfd, string name, uint mode, uint major, uint minor, string displayPath)
    {
        if (Libc.Mknodat(dirfd, name, mode, BerthNative.Makedev(major, minor)) != 0)
            throw LinuxException.FromLastError("mknod", displayPath);
    }

    public static void SymlinkAt(string target, int dirfd, string name, string displayPath)
    {
        if (Libc.Symlinkat(target, dirfd, name) != 0)
        {
            var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (err != Errno.EEXIST)
                throw new LinuxException(err, "symlink", displayPath);
        }
    }

    public static void Write(int fd, ReadOnlySpan<byte> data, string displayPath)
    {
        fixed (byte* p = data)
        {
            var off = 0;
            while (off < data.Length)
            {
                var n = Libc.Write(fd, p + off, data.Length - off);
                if (n < 0)
                {
                    var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (err == Errno.EINTR)
                        continue;
                    throw new LinuxException(err, "write", displayPath);
                }
                off += (int)n;
            }
        }
    }

    public static void WriteText(int fd, string text, string displayPath) =>
        Write(fd, Encoding.UTF8.GetBytes(text), displayPath);

    /// <summary>Reads until <paramref name="buffer"/> is full; false on EOF before the first byte.</summary>
    public static bool ReadExactly(int fd, Span<byte> buffer, string displayPath)
    {
        var off = 0;
        fixed (byte* p = buffer)
        {
            while (off < buffer.Length)
            {
                var n = Libc.Read(fd, p + off, buffer.Length - off);
                if (n < 0)
                {
                    var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (err == Errno.EINTR)
                        continue;
                    throw new LinuxException(err, "read", displayPath);
                }
                if (n == 0)
                {
                    if (off == 0)
                        return false;
                    throw new LinuxException(Errno.EPIPE, "read", displayPath);
                }
                off += (int)n;
            }
        }
        return true;
    }

    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.Read(fd, p, buffer.Length);
                if (n >= 0)
                    return (int)n;
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EINTR)
                    return -1;
            }
        }
    }

    public static (UnixFd Read, UnixFd Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, OpenFlags.O_CLOEXEC) != 0)
            throw LinuxException.FromLastError("pipe");
        return (new UnixFd(fds[0]), new UnixFd(fds[1]));
    }

    public static (UnixFd Parent, UnixFd Child) SocketPair()
    {
        const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
        int* fds = stackalloc int[2];
        if (Libc.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
            throw LinuxException.FromLastError("socketpair");
        return (new UnixFd(fds[0]), new UnixFd(fds[1]));
    }

    /// <summary>Connects a unix stream socket to <paramref name="path"/>, as the console socket is reached.</summary>
    public static UnixFd ConnectUnix(string path)
    {
        const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= 108)
            throw new LinuxException(Errno.ENAMETOOLONG, "connect", path);
        var fd = Libc.Socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw LinuxException.FromLastError("socket");
        var addr = stackalloc byte[110];
        addr[0] = 1;
        addr[1] = 0;
        for (var i = 0; i < bytes.Length; i++)
            addr[2 + i] = bytes[i];
        addr[2 + bytes.Length] = 0;
        if (Libc.Connect(fd, addr, 2 + bytes.Length + 1) != 0)
        {
            var err = LinuxException.FromLastError("connect", path);
            Libc.Close(fd);
            throw err;
        }
        return new UnixFd(fd);
    }

    public static void SetCloexec(int fd, bool on)
    {
        const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;
        var flags = Libc.Fcntl(fd, F_GETFD, 0);
        if (flags < 0)
            throw LinuxException.FromLastError("fcntl");
        flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        if (Libc.Fcntl(fd, F_SETFD, flags) < 0)
            throw LinuxException.FromLastError("fcntl");
    }

    public static void Dup2(int oldfd, int newfd)
    {
        if (oldfd == newfd)
        {
            SetCloexec(newfd, false);
            return;
        }
        if (Libc.Dup3(oldfd, newfd, 0) < 0)
            throw LinuxException.FromLastError("dup3");
    }

    /// <summary>Sends a signal; false when the process is gone (ESRCH).</summary>
    public static bool Kill(int pid, int signal)
    {
        if (Libc.Kill(pid, signal) == 0)
            return true;
        var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        return err == Errno.ESRCH ? false : throw new LinuxException(err, $"kill {pid} with signal", signal.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Waits for a child; returns its wait status.</summary>
    public static int WaitPid(int pid)
    {
        int status;
        while (Libc.Waitpid(pid, &status, 0) < 0)
        {
            var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (err != Errno.EINTR)
                throw new LinuxException(err, "waitpid");
        }
        return status;
    }

    /// <summary>Converts a wait status to a shell-style exit code: the status, or 128+signal.</summary>
    public static int ExitCode(int status) =>
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    public static void SetHostname(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            if (Libc.Sethostname(p, bytes.Length) != 0)
                throw LinuxException.FromLastError("sethostname", name);
        }
    }

    public static void SetDomainname(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            if (Libc.Setdomainname(p, bytes.Length) != 0)
                throw LinuxException.FromLastError("setdomainname", name);
        }
    }

    public static string RealPath(string path)
    {
        var p = Libc.Realpath(path, 0);
        if (p == 0)
            throw LinuxException.FromLastError("realpath", path);
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(p) ?? path;
        }
        finally
        {
            Libc.Free(p);
        }
    }

    public static void SetProcessName(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = bytes)
            Libc.Prctl(Prctl.PR_SET_NAME, (nuint)p, 0, 0, 0);
    }
}
