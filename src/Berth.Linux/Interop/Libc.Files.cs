using System.Runtime.InteropServices;

namespace Berth.Linux.Interop;

/// <summary>File metadata calls: what copying a tree faithfully (owners, modes, xattrs, times, links) needs.</summary>
public static unsafe partial class Libc
{
    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, Statx* buf);

    [LibraryImport(Lib, EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Llistxattr(string path, byte* list, nint size);

    [LibraryImport(Lib, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Lgetxattr(string path, string name, byte* value, nint size);

    [LibraryImport(Lib, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Lsetxattr(string path, string name, byte* value, nint size, int flags);

    [LibraryImport(Lib, EntryPoint = "syncfs", SetLastError = true)]
    public static partial int Syncfs(int fd);

    [LibraryImport(Lib, EntryPoint = "sync_file_range", SetLastError = true)]
    public static partial int SyncFileRange(int fd, long offset, long nbytes, uint flags);

    /// <summary>sync_file_range: start writeback of the dirty pages in the range, without waiting for it.</summary>
    public const uint SYNC_FILE_RANGE_WRITE = 2;
}
