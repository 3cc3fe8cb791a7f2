using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Processes;

/// <summary>
/// CVE-2019-5736: init is executed from a sealed in-memory copy of this binary, so a process in
/// the container that opens /proc/&lt;init&gt;/exe reaches the copy, which cannot be written.
/// </summary>
public static unsafe class SelfExe
{
    /// <summary>
    /// The binary to start init from: this very file on a private read-only bind mount (no copy),
    /// or, where the kernel lacks open_tree/mount_setattr, a sealed memfd copy.
    /// </summary>
    public static UnixFd OpenSealed()
    {
        var fd = BerthNative.OpenReadonlyClone("/proc/self/exe");
        if (fd >= 0)
        {
            var clone = new UnixFd(fd);
            if (IsReadonlyRegularFile(clone))
                return clone;
            clone.Dispose();
        }
        return CloneSealed();
    }

    private static bool IsReadonlyRegularFile(UnixFd fd)
    {
        try
        {
            var st = Sys.Fstat(fd.Value, "/proc/self/exe");
            var flags = BerthNative.MountFlagsOf(fd.Value);
            return (st.Mode & StatMode.S_IFMT) == StatMode.S_IFREG && flags >= 0 && (flags & (long)MountFlags.MS_RDONLY) != 0;
        }
        catch (LinuxException)
        {
            return false;
        }
    }

    private const uint MFD_CLOEXEC = 1;
    private const uint MFD_ALLOW_SEALING = 2;
    private const int F_ADD_SEALS = 1033;
    private const int F_SEAL_SEAL = 1;
    private const int F_SEAL_SHRINK = 2;
    private const int F_SEAL_GROW = 4;
    private const int F_SEAL_WRITE = 8;

    public static UnixFd CloneSealed()
    {
        using var self = Sys.Open("/proc/self/exe", OpenFlags.O_RDONLY);
        var st = Sys.Fstat(self.Value, "/proc/self/exe");
        var memfd = Libc.MemfdCreate("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0)
            throw LinuxException.FromLastError("memfd_create");
        var fd = new UnixFd(memfd);
        try
        {
            long offset = 0;
            while (offset < st.Size)
            {
                var n = Libc.Sendfile(memfd, self.Value, &offset, (nint)(st.Size - offset));
                if (n <= 0)
                    throw LinuxException.FromLastError("copy /proc/self/exe to memfd");
            }
            if (Libc.Fcntl(memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                throw LinuxException.FromLastError("seal memfd");
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }
}
