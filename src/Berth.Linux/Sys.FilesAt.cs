using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux.Interop;

namespace Berth.Linux;

/// <summary>The *at(2) file-tree calls, for code that walks a tree it does not trust by directory fd and name.</summary>
public static unsafe partial class Sys
{
    /// <summary>statx(2) without following a final symlink; the errno, or 0 with <paramref name="status"/> set.</summary>
    public static int TryStatAt(int dirfd, string name, out FileStatus status)
    {
        Statx buf;
        var flags = AtFlags.AT_SYMLINK_NOFOLLOW | (name.Length == 0 ? AtFlags.AT_EMPTY_PATH : 0);
        if (Libc.Statx(dirfd, name, flags, Statx.STATX_BASIC_STATS, &buf) != 0)
        {
            status = default;
            return Marshal.GetLastPInvokeError();
        }
        status = new FileStatus(buf);
        return 0;
    }

    public static FileStatus StatAt(int dirfd, string name, string displayPath)
    {
        var err = TryStatAt(dirfd, name, out var status);
        return err == 0 ? status : throw new LinuxException(err, "stat", displayPath);
    }

    /// <summary>Removes a non-directory, or with <see cref="AtFlags.AT_REMOVEDIR"/> an empty directory; the errno or 0.</summary>
    public static int TryUnlinkAt(int dirfd, string name, int flags) =>
        Libc.Unlinkat(dirfd, name, flags) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static void UnlinkAt(int dirfd, string name, int flags, string displayPath)
    {
        var err = TryUnlinkAt(dirfd, name, flags);
        if (err != 0)
            throw new LinuxException(err, "unlink", displayPath);
    }

    /// <summary>linkat(2) with flags 0: a symlink as the old name is linked itself, never its target.</summary>
    public static void LinkAt(int oldDirFd, string oldName, int newDirFd, string newName, string displayPath)
    {
        if (Libc.Linkat(oldDirFd, oldName, newDirFd, newName, 0) != 0)
            throw LinuxException.FromLastError("link", displayPath);
    }

    /// <summary>lchown relative to a directory fd (AT_SYMLINK_NOFOLLOW).</summary>
    public static void LchownAt(int dirfd, string name, uint uid, uint gid, string displayPath)
    {
        if (Libc.Fchownat(dirfd, name, uid, gid, AtFlags.AT_SYMLINK_NOFOLLOW) != 0)
            throw LinuxException.FromLastError("lchown", displayPath);
    }

    /// <summary>chmod of a non-symlink by directory fd and name, refusing (EOPNOTSUPP) to act on a symlink.</summary>
    public static void LchmodAt(int dirfd, string name, uint mode, string displayPath)
    {
        if (Libc.Fchmodat(dirfd, name, mode, AtFlags.AT_SYMLINK_NOFOLLOW) != 0)
            throw LinuxException.FromLastError("chmod", displayPath);
    }

    public static void Fchmod(int fd, uint mode, string displayPath)
    {
        if (Libc.Fchmod(fd, mode) != 0)
            throw LinuxException.FromLastError("chmod", displayPath);
    }

    /// <summary>Sets access and modification times of the entry itself, never of a symlink's target.</summary>
    public static void LutimesAt(int dirfd, string name, DateTimeOffset atime, DateTimeOffset mtime, string displayPath)
    {
        var times = stackalloc Libc.Timespec[2];
        times[0] = ToTimespec(atime);
        times[1] = ToTimespec(mtime);
        var flags = AtFlags.AT_SYMLINK_NOFOLLOW | (name.Length == 0 ? AtFlags.AT_EMPTY_PATH : 0);
        if (Libc.Utimensat(dirfd, name, times, flags) != 0)
            throw LinuxException.FromLastError("utimes", displayPath);
    }

    public static string ReadLinkAt(int dirfd, string name, string displayPath)
    {
        var buf = new byte[4096];
        fixed (byte* p = buf)
        {
            var n = Libc.Readlinkat(dirfd, name, p, buf.Length);
            if (n < 0)
                throw LinuxException.FromLastError("readlink", displayPath);
            return Encoding.UTF8.GetString(buf, 0, (int)n);
        }
    }

    public static void FsetXattr(int fd, string name, ReadOnlySpan<byte> value, string displayPath)
    {
        fixed (byte* p = value)
        {
            if (Libc.Fsetxattr(fd, name, p, (nuint)value.Length, 0) != 0)
                throw LinuxException.FromLastError($"setxattr {name} on", displayPath);
        }
    }

    /// <summary>
    /// setxattr on the file an O_PATH descriptor holds, through its /proc/self/fd link: fsetxattr(2)
    /// refuses O_PATH fds, and devices and FIFOs cannot be opened for real without side effects.
    /// </summary>
    public static void SetXattrByFd(UnixFd pathFd, string name, ReadOnlySpan<byte> value, string displayPath)
    {
        fixed (byte* p = value)
        {
            if (Libc.Setxattr(pathFd.ProcPath, name, p, (nuint)value.Length, 0) != 0)
                throw LinuxException.FromLastError($"setxattr {name} on", displayPath);
        }
    }

    /// <summary>The value of an extended attribute, or null when the file does not have it.</summary>
    public static byte[]? FgetXattr(int fd, string name, string displayPath)
    {
        while (true)
        {
            var size = Libc.Fgetxattr(fd, name, null, 0);
            if (size < 0)
            {
                var err = Marshal.GetLastPInvokeError();
                return err == Errno.ENODATA ? null : throw new LinuxException(err, $"getxattr {name} on", displayPath);
            }
            var buf = new byte[size];
            fixed (byte* p = buf)
            {
                var n = Libc.Fgetxattr(fd, name, p, (nuint)buf.Length);
                if (n >= 0)
                    return buf[..(int)n];
                if (Marshal.GetLastPInvokeError() != Errno.ERANGE)
                    throw LinuxException.FromLastError($"getxattr {name} on", displayPath);
            }
        }
    }

    public static string[] FlistXattr(int fd, string displayPath)
    {
        while (true)
        {
            var size = Libc.Flistxattr(fd, null, 0);
            if (size < 0)
                throw LinuxException.FromLastError("listxattr", displayPath);
            if (size == 0)
                return [];
            var buf = new byte[size];
            fixed (byte* p = buf)
            {
                var n = Libc.Flistxattr(fd, p, (nuint)buf.Length);
                if (n >= 0)
                    return Encoding.UTF8.GetString(buf, 0, (int)n).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (Marshal.GetLastPInvokeError() != Errno.ERANGE)
                    throw LinuxException.FromLastError("listxattr", displayPath);
            }
        }
    }

    private static Libc.Timespec ToTimespec(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem);
        if (rem < 0)
        {
            sec--;
            rem += TimeSpan.TicksPerSecond;
        }
        return new Libc.Timespec { Sec = sec, Nsec = rem * 100 };
    }
}
