using System.Runtime.InteropServices;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Content;

/// <summary>
/// An exclusive, non-blocking flock on <c>&lt;ingest&gt;/lock</c>, so that two writers of one ref,
/// in one process or two, never interleave their bytes. The fd is close-on-exec (Sys.Open adds
/// O_CLOEXEC), so a child process never inherits the lock and outlives us holding it.
/// </summary>
internal sealed class IngestLock : IDisposable
{
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;
    private const int EWOULDBLOCK = 11;
    private const int Attempts = 16;

    private readonly UnixFd _fd;

    private IngestLock(UnixFd fd) => _fd = fd;

    /// <summary>Creates the ingest directory if needed and locks it, or throws <see cref="ContentLockedException"/>.</summary>
    public static IngestLock Acquire(string dir, string reference)
    {
        var path = Path.Combine(dir, "lock");
        // A writer that discards an ingest renames its directory away while holding the lock. Whoever
        // opened the old lock file in the meantime locks a file no longer at this path, sees the
        // inode differ, and starts over on the directory that is there now.
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            Directory.CreateDirectory(dir);
            UnixFd fd;
            try
            {
                fd = Sys.Open(path, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_NOFOLLOW, 0b110_000_000);
            }
            catch (LinuxException e) when (e.Errno == Errno.ENOENT)
            {
                continue;
            }
            if (!TryLock(fd, path))
            {
                fd.Dispose();
                throw new ContentLockedException(reference);
            }
            var held = Sys.Fstat(fd.Value, path);
            if (Sys.TryLstat(path, out var current) && current.Ino == held.Ino && current.Dev == held.Dev)
                return new IngestLock(fd);
            fd.Dispose();
        }
        throw new ContentException($"ref {reference}: lock {path} keeps being replaced");
    }

    private static bool TryLock(UnixFd fd, string path)
    {
        while (Libc.Flock(fd.Value, LOCK_EX | LOCK_NB) != 0)
        {
            var err = Marshal.GetLastPInvokeError();
            if (err == EWOULDBLOCK)
                return false;
            if (err != Errno.EINTR)
                throw new LinuxException(err, "flock", path);
        }
        return true;
    }

    public void Dispose() => _fd.Dispose();
}
