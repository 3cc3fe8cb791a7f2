using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Rootfs;

/// <summary>
/// Writes to procfs through handles checked to be procfs (CVE-2019-16884, CVE-2025-52881): a
/// mount or symlink placed over /proc by the image or a config cannot redirect them.
/// </summary>
public static class ProcFs
{
    public static void Write(string path, string value)
    {
        using var fd = OpenVerified(path, OpenFlags.O_WRONLY);
        Sys.WriteText(fd.Value, value, path);
    }

    public static UnixFd OpenVerified(string path, int flags)
    {
        if (!path.StartsWith("/proc/", StringComparison.Ordinal))
            throw new ArgumentException("not a /proc path", nameof(path));
        using var proc = Sys.Open("/proc", OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
        CheckProc(proc, "/proc");
        var fd = BerthNative.Openat2(proc.Value, path["/proc/".Length..], (ulong)(flags | OpenFlags.O_CLOEXEC | OpenFlags.O_NOFOLLOW), 0,
            Resolve.RESOLVE_NO_XDEV | Resolve.RESOLVE_NO_MAGICLINKS | Resolve.RESOLVE_BENEATH);
        if (fd < 0)
            throw LinuxException.FromLastError("open", path);
        var owned = new UnixFd(fd);
        try
        {
            CheckProc(owned, path);
        }
        catch
        {
            owned.Dispose();
            throw;
        }
        return owned;
    }

    public static void CheckProc(UnixFd fd, string path)
    {
        if (Sys.FsType(fd.Value, path) != FsMagic.PROC_SUPER_MAGIC)
            throw new RuntimeException($"{path} is not on procfs; refusing to use it");
    }
}
