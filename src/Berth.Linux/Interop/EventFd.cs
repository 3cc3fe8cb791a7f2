using System.Runtime.InteropServices;

namespace Berth.Linux.Interop;

/// <summary>eventfd(2): the counter the cgroup v1 memory controller signals on OOM (cgroup.event_control).</summary>
public static unsafe partial class EventFd
{
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFdCreate(uint initialValue, int flags);

    /// <summary>A new non-blocking, close-on-exec eventfd starting at zero.</summary>
    public static UnixFd Create()
    {
        var fd = EventFdCreate(0, EFD_NONBLOCK | EFD_CLOEXEC);
        return fd >= 0 ? new UnixFd(fd) : throw LinuxException.FromLastError("eventfd");
    }

    /// <summary>Reads and resets the counter; false when it is zero (EAGAIN).</summary>
    public static bool TryRead(int fd, out ulong value)
    {
        ulong counter;
        var n = Libc.Read(fd, (byte*)&counter, sizeof(ulong));
        if (n == sizeof(ulong))
        {
            value = counter;
            return true;
        }

        value = 0;
        var errno = Marshal.GetLastPInvokeError();
        return n < 0 && errno == Errno.EAGAIN ? false : throw new LinuxException(errno, "read eventfd");
    }

    /// <summary>poll(2) for the eventfd to become readable; false on timeout.</summary>
    public static bool WaitReadable(int fd, int timeoutMilliseconds)
    {
        var pfd = new Libc.PollFd { Fd = fd, Events = 1 };
        var n = Libc.Poll(&pfd, 1, timeoutMilliseconds);
        if (n < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Errno.EINTR ? false : throw new LinuxException(errno, "poll eventfd");
        }

        return n > 0;
    }
}
