using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.State;

/// <summary>Write temp + fsync + rename + fsync dir: a crash leaves the old or the new file, never half of one.</summary>
public static class AtomicFile
{
    /// <param name="durable">
    /// false skips the fsyncs: the rename alone keeps the file whole when a process dies, which is
    /// all that state describing live processes needs, as a machine crash ends them too (runc's
    /// state.json is written the same way, on tmpfs).
    /// </param>
    public static void Write(string path, ReadOnlySpan<byte> data, uint mode = 0b110_000_000, bool durable = true)
    {
        path = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(path)!;
        // A random name, created exclusively and without following a symlink: concurrent writers
        // never share a temp file, and one planted in the folder cannot redirect the write.
        // (Random.Shared, not the CSPRNG: that would load OpenSSL into every runtime command.)
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Random.Shared.NextInt64():x16}.tmp");
        var fd = Sys.Open(tmp, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW, mode);
        try
        {
            using (fd)
            {
                Sys.Write(fd.Value, data, tmp);
                if (durable && Libc.Fsync(fd.Value) != 0)
                    throw LinuxException.FromLastError("fsync", tmp);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
        if (!durable)
            return;
        using var dirFd = Sys.Open(dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (Libc.Fsync(dirFd.Value) != 0)
            throw LinuxException.FromLastError("fsync", dir);
    }
}
