using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Rootfs;

/// <summary>maskedPaths and readonlyPaths, applied after pivot_root inside the container's own view.</summary>
public static class PathMasker
{
    public static void Mask(IEnumerable<string> paths)
    {
        UnixFd? devNull = null;
        try
        {
            MaskAll(paths, ref devNull);
        }
        finally
        {
            devNull?.Dispose();
        }
    }

    private static void MaskAll(IEnumerable<string> paths, ref UnixFd? devNull)
    {
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            using var root = new RootDir("/");
            CheckProcNotSymlink(path);
            using var target = root.TryOpen(path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
            if (target is null)
                continue;
            var st = Sys.Fstat(target.Value, path);
            if ((st.Mode & StatMode.S_IFMT) == StatMode.S_IFDIR)
                Sys.Mount("tmpfs", target.ProcPath, "tmpfs", MountFlags.MS_RDONLY, "nr_blocks=1,nr_inodes=1");
            else
                Sys.Mount((devNull ??= OpenVerifiedDevNull()).ProcPath, target.ProcPath, null, MountFlags.MS_BIND, null);
        }
    }

    public static void MakeReadonly(IEnumerable<string> paths)
    {
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            using var root = new RootDir("/");
            CheckProcNotSymlink(path);
            using var target = root.TryOpen(path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
            if (target is null)
                continue;
            Sys.Mount(target.ProcPath, target.ProcPath, null, MountFlags.MS_BIND | MountFlags.MS_REC, null);
            using var again = root.TryOpen(path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW)
                ?? throw new RuntimeException($"readonly path {path} vanished");
            MountSetup.Remount(again, path, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY | MountFlags.MS_REC);
        }
    }

    /// <summary>
    /// CVE-2025-31133: the /dev/null that masks files must really be the null device. It is opened
    /// once without following symlinks and checked on the fd; the mount uses that fd.
    /// </summary>
    public static UnixFd OpenVerifiedDevNull()
    {
        UnixFd fd;
        try
        {
            fd = Sys.Open("/dev/null", OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        }
        catch (LinuxException e)
        {
            throw new RuntimeException($"container's /dev/null is invalid: {e.Message}", e);
        }
        var st = Sys.Fstat(fd.Value, "/dev/null");
        if ((st.Mode & StatMode.S_IFMT) != StatMode.S_IFCHR || st.RdevMajor != 1 || st.RdevMinor != 3)
        {
            fd.Dispose();
            throw new RuntimeException("container's /dev/null is invalid: not the character device 1:3");
        }
        return fd;
    }

    // SEC-MASK-4: a /proc or /sys that is a symlink in the image could send masks elsewhere.
    private static void CheckProcNotSymlink(string path)
    {
        var top = "/" + path.TrimStart('/').Split('/')[0];
        if (top is "/proc" or "/sys" && Sys.TryLstat(top, out var st) && (st.Mode & StatMode.S_IFMT) == StatMode.S_IFLNK)
            throw new RuntimeException($"{top} is a symlink; refusing to mask {path}");
    }
}
