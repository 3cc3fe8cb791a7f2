using System.Runtime.InteropServices;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Distribution.Server.Storage;

/// <summary>
/// An flock on <c>&lt;root&gt;/registry.lock</c> that keeps garbage collection away from a server that
/// writes: a writable server holds it exclusively; a <c>--read-only</c> server and <c>registry gc</c>
/// hold it shared, so they run side by side, and gc is refused while a writable server runs (its
/// mark and sweep would race uploads whose manifests are not pushed yet). The kernel drops the lock
/// when the process dies, so a crash never leaves the root locked.
/// </summary>
public sealed class RegistryRootLock : IDisposable
{
    public const string FileName = "registry.lock";

    private const int LOCK_SH = 1;
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;
    private const int EWOULDBLOCK = 11;

    private readonly UnixFd _fd;

    private RegistryRootLock(UnixFd fd) => _fd = fd;

    /// <summary>Takes the lock without waiting; <paramref name="what"/> names the holder-to-be in the error when it is taken.</summary>
    public static RegistryRootLock Acquire(string root, bool exclusive, string what)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, FileName);
        var fd = Sys.Open(path, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_NOFOLLOW, 0b110_000_000);
        while (Libc.Flock(fd.Value, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0)
        {
            var err = Marshal.GetLastPInvokeError();
            if (err == Errno.EINTR)
                continue;
            fd.Dispose();
            if (err == EWOULDBLOCK)
            {
                throw new InvalidOperationException(exclusive
                    ? $"registry root {root}: in use by another server or gc; {what} needs it alone"
                    : $"registry root {root}: a writable server is using it; stop it or restart it with --read-only before {what}");
            }
            throw new LinuxException(err, "flock", path);
        }
        return new RegistryRootLock(fd);
    }

    public void Dispose() => _fd.Dispose();
}
