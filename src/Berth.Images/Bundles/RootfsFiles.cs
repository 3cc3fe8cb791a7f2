using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Bundles;

/// <summary>
/// Reads small files (/etc/passwd, /etc/group) out of an untrusted rootfs. Every path step is
/// resolved by the kernel inside the rootfs (openat2 RESOLVE_IN_ROOT), so an absolute or ".."
/// symlink planted by the image lands inside the rootfs, never on the host.
/// </summary>
internal static class RootfsFiles
{
    /// <summary>More than any real passwd or group file; an image cannot make us read gigabytes.</summary>
    public const int MaxSize = 1 << 20;

    /// <summary>The file's bytes, or null when the rootfs does not have it.</summary>
    /// <param name="rootfsPath">The rootfs on the host (trusted: the engine chose it).</param>
    /// <param name="path">Absolute path inside the rootfs, e.g. "/etc/passwd".</param>
    public static byte[]? ReadSmallFile(string rootfsPath, string path)
    {
        try
        {
            using var root = Sys.Open(rootfsPath, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
            // O_PATH first: opening for read is itself an action on a device node (a watchdog
            // starts, a tape rewinds) and blocks on a FIFO with no writer. An O_PATH fd does
            // neither, and fstat on it tells what the file is before anything reads it.
            var err = Sys.TryOpenInRoot(root.Value, path.TrimStart('/'), OpenFlags.O_PATH, out var handle);
            if (err is Errno.ENOENT or Errno.ENOTDIR)
                return null;
            if (handle is null)
                throw new LinuxException(err, "open", path);
            using (handle)
            {
                var st = Sys.Fstat(handle.Value, path);
                if ((st.Mode & StatMode.S_IFMT) != StatMode.S_IFREG)
                    throw new BundleException($"rootfs: {path}: not a regular file");
                if (st.Size > MaxSize)
                    throw new BundleException($"rootfs: {path}: larger than {MaxSize >> 20} MiB");
                // Reopening the O_PATH fd through our own /proc/self/fd reopens that very inode:
                // no second path lookup that a rename inside the rootfs could redirect.
                using var file = Sys.Open(handle.ProcPath, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK | OpenFlags.O_NOCTTY);
                return ReadAtMost(file.Value, path);
            }
        }
        catch (LinuxException e)
        {
            throw new BundleException($"rootfs: {e.Message}", e);
        }
    }

    private static byte[] ReadAtMost(int fd, string path)
    {
        var buffer = new byte[MaxSize + 1];
        var total = 0;
        while (total < buffer.Length)
        {
            var n = Sys.Read(fd, buffer.AsSpan(total));
            if (n < 0)
                throw LinuxException.FromLastError("read", path);
            if (n == 0)
                break;
            total += n;
        }
        // The size was checked on the fd, but a file can grow between fstat and read.
        if (total > MaxSize)
            throw new BundleException($"rootfs: {path}: larger than {MaxSize >> 20} MiB");
        return buffer[..total];
    }
}
