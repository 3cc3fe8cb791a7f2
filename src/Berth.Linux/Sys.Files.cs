using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux.Interop;

namespace Berth.Linux;

/// <summary>File metadata wrappers: none of them follows a symlink at the last component.</summary>
public static unsafe partial class Sys
{
    /// <summary>statx of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static Statx Lstatx(string path)
    {
        Statx st;
        if (Libc.Statx(AtFlags.AT_FDCWD, path, AtFlags.AT_SYMLINK_NOFOLLOW | Statx.AT_STATX_SYNC_AS_STAT, Statx.STATX_BASIC_STATS, &st) != 0)
            throw LinuxException.FromLastError("statx", path);
        return st;
    }

    /// <summary>Changes the owner of <paramref name="path"/> itself, a symlink included.</summary>
    public static void Lchown(string path, uint uid, uint gid)
    {
        if (Libc.Fchownat(AtFlags.AT_FDCWD, path, uid, gid, AtFlags.AT_SYMLINK_NOFOLLOW) != 0)
            throw LinuxException.FromLastError("chown", path);
    }

    /// <summary>Sets all mode bits, setuid/setgid/sticky included (not for symlinks, which have none).</summary>
    public static void Chmod(string path, uint mode)
    {
        if (Libc.Fchmodat(AtFlags.AT_FDCWD, path, mode & 0xFFF, 0) != 0)
            throw LinuxException.FromLastError("chmod", path);
    }

    /// <summary>Sets access and modification times with nanoseconds, on a symlink itself if it is one.</summary>
    public static void Lutimens(string path, StatxTimestamp atime, StatxTimestamp mtime)
    {
        var times = stackalloc Libc.Timespec[2];
        times[0] = new Libc.Timespec { Sec = atime.Sec, Nsec = atime.Nsec };
        times[1] = new Libc.Timespec { Sec = mtime.Sec, Nsec = mtime.Nsec };
        if (Libc.Utimensat(AtFlags.AT_FDCWD, path, times, AtFlags.AT_SYMLINK_NOFOLLOW) != 0)
            throw LinuxException.FromLastError("utimensat", path);
    }

    /// <summary>Creates the hard link <paramref name="newPath"/> to <paramref name="oldPath"/>.</summary>
    public static void Link(string oldPath, string newPath)
    {
        if (Libc.Linkat(AtFlags.AT_FDCWD, oldPath, AtFlags.AT_FDCWD, newPath, 0) != 0)
            throw LinuxException.FromLastError($"link {oldPath} to", newPath);
    }

    /// <summary>fsync of a directory: makes the entries created or renamed in it durable.</summary>
    public static void FsyncDirectory(string path)
    {
        using var fd = Open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (Libc.Fsync(fd.Value) != 0)
            throw LinuxException.FromLastError("fsync", path);
    }

    /// <summary>
    /// Starts writing a file's dirty pages to disk without waiting (sync_file_range WRITE), so that a
    /// later fsync or syncfs finds the work done: the disk works while the CPU goes on. Advisory: a
    /// file system that cannot do it is not an error.
    /// </summary>
    public static void StartWriteback(int fd, long offset = 0, long length = 0) =>
        _ = Libc.SyncFileRange(fd, offset, length, Libc.SYNC_FILE_RANGE_WRITE);

    /// <summary>
    /// syncfs(2) of the filesystem holding <paramref name="path"/>: one call that makes a whole tree
    /// durable, cheaper than an fsync per file of an unpacked layer.
    /// </summary>
    public static void SyncFilesystem(string path)
    {
        using var fd = Open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (Libc.Syncfs(fd.Value) != 0)
            throw LinuxException.FromLastError("syncfs", path);
    }

    /// <summary>The names of the extended attributes of <paramref name="path"/> itself.</summary>
    public static IReadOnlyList<string> ListXattrs(string path)
    {
        while (true)
        {
            var size = Libc.Llistxattr(path, null, 0);
            if (size < 0)
                throw LinuxException.FromLastError("listxattr", path);
            if (size == 0)
                return [];
            var buffer = new byte[size];
            fixed (byte* p = buffer)
            {
                var n = Libc.Llistxattr(path, p, size);
                if (n < 0)
                {
                    // The list grew between the two calls: ask for its size again.
                    if (Marshal.GetLastPInvokeError() == Errno.ERANGE)
                        continue;
                    throw LinuxException.FromLastError("listxattr", path);
                }
                return Encoding.UTF8.GetString(buffer, 0, (int)n).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
        }
    }

    public static byte[] GetXattr(string path, string name)
    {
        while (true)
        {
            var size = Libc.Lgetxattr(path, name, null, 0);
            if (size < 0)
                throw LinuxException.FromLastError($"getxattr {name} of", path);
            var buffer = new byte[size];
            fixed (byte* p = buffer)
            {
                var n = Libc.Lgetxattr(path, name, p, size);
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Errno.ERANGE)
                        continue;
                    throw LinuxException.FromLastError($"getxattr {name} of", path);
                }
                return buffer[..(int)n];
            }
        }
    }

    public static void SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value)
        {
            if (Libc.Lsetxattr(path, name, p, value.Length, 0) != 0)
                throw LinuxException.FromLastError($"setxattr {name} of", path);
        }
    }
}
