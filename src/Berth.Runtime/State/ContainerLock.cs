using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.State;

/// <summary>An exclusive flock on the container's state directory: one runtime command acts on a container at a time.</summary>
public sealed class ContainerLock : IDisposable
{
    private const int LOCK_EX = 2;
    private readonly UnixFd _fd;

    private ContainerLock(UnixFd fd) => _fd = fd;

    public static ContainerLock Acquire(string dir)
    {
        var fd = Sys.Open(dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        while (Libc.Flock(fd.Value, LOCK_EX) != 0)
        {
            var err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (err != Errno.EINTR)
            {
                fd.Dispose();
                throw new LinuxException(err, "flock", dir);
            }
        }
        return new ContainerLock(fd);
    }

    public void Dispose() => _fd.Dispose();
}
