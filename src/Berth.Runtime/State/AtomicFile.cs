using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.State;

/// <summary>Write temp + fsync + rename + fsync dir: a crash leaves the old or the new file, never half of one.</summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> data, uint mode = 0b110_000_000)
    {
        var dir = Path.GetDirectoryName(path)!;
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var fd = Sys.Open(tmp, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, mode))
        {
            Sys.Write(fd.Value, data, tmp);
            if (Libc.Fsync(fd.Value) != 0)
                throw LinuxException.FromLastError("fsync", tmp);
        }
        try
        {
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
        using var dirFd = Sys.Open(dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Libc.Fsync(dirFd.Value);
    }
}
