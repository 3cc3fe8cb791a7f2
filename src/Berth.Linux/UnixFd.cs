using Berth.Linux.Interop;

namespace Berth.Linux;

/// <summary>An owned file descriptor, closed once on dispose.</summary>
public sealed class UnixFd : IDisposable
{
    private int _fd;

    public UnixFd(int fd) => _fd = fd;

    public int Value => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(UnixFd));

    public bool IsOpen => _fd >= 0;

    /// <summary>The /proc/self/fd path that reopens or mounts this very file (not a path lookup).</summary>
    public string ProcPath => $"/proc/self/fd/{Value}";

    /// <summary>Gives up ownership, for an fd handed to a child process that closes it there.</summary>
    public int Release()
    {
        var fd = _fd;
        _fd = -1;
        return fd;
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Libc.Close(_fd);
            _fd = -1;
        }
    }
}
