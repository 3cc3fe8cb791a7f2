using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Rootfs;

/// <summary>
/// An open root directory, and the operations that create and open paths beneath it without ever
/// following a symlink out: each component is created and opened with O_NOFOLLOW from the fd of
/// its parent.
/// </summary>
public sealed class RootDir : IDisposable
{
    public RootDir(string path)
    {
        Path = path;
        Fd = Sys.Open(path, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
    }

    public string Path { get; }

    public UnixFd Fd { get; }

    /// <summary>Creates the directories of <paramref name="containerPath"/> inside the root and returns an O_PATH fd of the last one.</summary>
    public UnixFd MkdirAll(string containerPath, uint mode = 0b111_101_101)
    {
        var rel = SecureJoin.Resolve(Path, containerPath);
        var current = Sys.OpenAt(Fd.Value, ".", OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
        var shown = "";
        foreach (var part in rel.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            shown += "/" + part;
            Sys.MkdirAt(current.Value, part, mode, shown);
            UnixFd next;
            try
            {
                next = Sys.OpenAt(current.Value, part, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
            }
            catch (LinuxException e) when (e.Errno is Errno.ELOOP or Errno.ENOTDIR)
            {
                current.Dispose();
                throw new RuntimeException($"{containerPath}: {shown} is not a directory inside the container's root");
            }
            current.Dispose();
            current = next;
        }
        return current;
    }

    /// <summary>Creates (if missing) the file <paramref name="containerPath"/> inside the root and returns an O_PATH fd of it.</summary>
    public UnixFd CreateFile(string containerPath, uint mode = 0b110_100_100)
    {
        var rel = SecureJoin.Resolve(Path, containerPath);
        var slash = rel.LastIndexOf('/');
        var name = slash < 0 ? rel : rel[(slash + 1)..];
        if (name.Length == 0)
            throw new RuntimeException($"{containerPath}: is the container's root");
        using var parent = MkdirAll(slash < 0 ? "/" : "/" + rel[..slash]);
        var fd = Libc.Openat(parent.Value, name, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY, mode);
        if (fd >= 0)
            Libc.Close(fd);
        return Sys.OpenAt(parent.Value, name, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
    }

    /// <summary>Opens an existing path beneath the root; null if it does not exist.</summary>
    public UnixFd? TryOpen(string containerPath, int flags)
    {
        var err = Sys.TryOpenInRoot(Fd.Value, containerPath.TrimStart('/'), flags, out var fd);
        if (err == 0)
            return fd;
        if (err is Errno.ENOENT or Errno.ENOTDIR)
            return null;
        throw new LinuxException(err, "open", containerPath);
    }

    public void Dispose() => Fd.Dispose();
}
